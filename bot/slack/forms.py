"""A core :class:`~handlers.replies.Form` as a Slack modal, and a ``view_submission`` read back.

The modal's ``private_metadata`` carries the form's action and value and where the answer goes
(the channel and the ``response_url`` of the button press that opened it); each input is an
``input`` block whose ``block_id`` is the input's name, so a refusal that names a field is shown
on it (``response_action: errors``).
"""

from __future__ import annotations

import json
from typing import Any

from bot.slack.blocks import MAX_VIEW_BLOCKS, shorten
from handlers.replies import Form, FormInput, FormSubmission, InputKind

CALLBACK_ID = "coord_form"
TASK_FROM_MESSAGE = "coord_task_from_message"  # the message shortcut "Create coordination task"
FEEDBACK_FROM_MESSAGE = "coord_feedback_from_message"  # the message shortcut "Log launch feedback"
MAX_TITLE_TEXT = 24  # modal title, submit and close labels
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_INPUT = 3000  # plain_text_input's max_length
MAX_METADATA = 3000


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or "·", "emoji": True}


def _element(item: FormInput) -> dict[str, Any]:
    element: dict[str, Any] = {"action_id": "value"}
    if item.kind in (InputKind.TEXT, InputKind.LONG_TEXT):
        element.update(type="plain_text_input", multiline=item.kind is InputKind.LONG_TEXT)
        element["max_length"] = min(item.max_length or MAX_INPUT, MAX_INPUT)
        if item.initial:
            element["initial_value"] = item.initial[: element["max_length"]]
    elif item.kind is InputKind.DATE:
        element["type"] = "datepicker"
        if item.initial:
            element["initial_date"] = item.initial
    elif item.kind is InputKind.PERSON:
        element["type"] = "users_select"
        if item.initial:
            element["initial_user"] = item.initial
    else:
        options = [
            {"text": _plain(c.label, MAX_OPTION_TEXT), "value": c.value[:150]}
            for c in item.choices[:MAX_OPTIONS]
        ]
        element.update(type="static_select", options=options)
        initial = next(
            (o for o, c in zip(options, item.choices, strict=False) if c.value == item.initial), None
        )
        if initial is not None:
            element["initial_option"] = initial
    if item.placeholder and item.kind is not InputKind.DATE:
        element["placeholder"] = _plain(item.placeholder, MAX_PLACEHOLDER)
    return element


def build_view(form: Form, *, channel: str | None, response_url: str | None) -> dict[str, Any]:
    """The ``views.open`` view of ``form``; the answer goes to ``channel`` / ``response_url``."""
    metadata = {"action": form.action_id, "value": form.value}
    if channel:
        metadata["channel"] = channel
    if response_url:
        metadata["response_url"] = response_url
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.append({"type": "section", "text": _plain(form.intro, 3000)})
    for item in form.inputs:
        blocks.append(
            {
                "type": "input",
                "block_id": item.name,
                "optional": not item.required,
                "label": _plain(item.label, MAX_LABEL),
                "element": _element(item),
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(form.title, MAX_TITLE_TEXT),
        "submit": _plain(form.submit, MAX_TITLE_TEXT),
        "close": _plain(form.cancel, MAX_TITLE_TEXT),
        "private_metadata": json.dumps(metadata)[:MAX_METADATA],
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }


def metadata_of(view: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _submitted(element: dict[str, Any]) -> str:
    """What one input element holds, as the core reads it (text, ISO date, user id, option value)."""
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date") or ""
    if kind == "users_select":
        return element.get("selected_user") or ""
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value") or ""
    return element.get("value") or ""


def read_submission(view: dict[str, Any]) -> FormSubmission | None:
    """The ``view_submission``'s form; None when its metadata does not name one."""
    metadata = metadata_of(view)
    if "action" not in metadata:
        return None
    values: dict[str, str] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        element = (elements or {}).get("value")
        if isinstance(element, dict):
            values[str(block_id)] = str(_submitted(element))
    return FormSubmission(metadata["action"], metadata.get("value", ""), values)


def error_block(view: dict[str, Any], error_field: str | None) -> str | None:
    """The input block to show a refusal on: the field at fault, else the first input."""
    block_ids = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    if error_field in block_ids:
        return error_field
    return next((b for b in block_ids if b), None)
