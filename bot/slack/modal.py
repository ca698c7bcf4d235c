"""The "new task" modal: built from the core's form options, read back into a TaskForm."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.slack.blocks import MAX_VIEW_BLOCKS, shorten
from handlers import grammar
from handlers.core import FormOptions, TaskForm
from handlers.i18n import t

CALLBACK_ID = "coord_task_form"
SHORTCUT_ID = "coord_new_task"
FIELDS = ("department", "title", "assignee", "due", "launch", "priority")
MAX_OPTIONS = 100  # static_select
MAX_OPTION_TEXT = 75
MAX_TITLE_TEXT = 24  # modal title, submit and close labels


def is_bare_add(text: str) -> bool:
    """``add`` (or ``/coord add``, ``new``, ``新建`` …) with nothing after it: open the modal."""
    tokens = grammar.tokenize(grammar.clean_text(text))
    if tokens and tokens[0].lower() in grammar.PREFIXES:
        tokens = tokens[1:]
    return len(tokens) == 1 and grammar.VERBS.get(tokens[0].lower()) == "add"


def _plain(text: str, limit: int = MAX_OPTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or "·", "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value[:150]}


def _label(options: FormOptions, lang: str, name: str) -> str:
    return options.labels.get(name) or t(lang, f"slack.field.{name}")


def build_modal(options: FormOptions, lang: str, *, metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``views.open`` view; ``metadata`` (channel, response_url) comes back on submission."""
    title = _plain(options.labels.get("heading") or t(lang, "slack.modal.title"), MAX_TITLE_TEXT)
    if len(title["text"]) > MAX_TITLE_TEXT or title["text"].endswith("…"):
        title = _plain(t(lang, "slack.modal.title"), MAX_TITLE_TEXT)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": title,
        "close": _plain(options.labels.get("cancel") or t(lang, "slack.modal.close"), MAX_TITLE_TEXT),
        "private_metadata": json.dumps(metadata or {})[:3000],
    }
    if not options.departments:
        view["blocks"] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": t(lang, "slack.modal.no_departments")}}
        ]
        return view
    view["submit"] = _plain(options.labels.get("submit") or t(lang, "slack.modal.submit"), MAX_TITLE_TEXT)
    departments = [_option(c.value, c.label) for c in options.departments[:MAX_OPTIONS]]
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "department",
            "label": _plain(_label(options, lang, "department")),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": departments,
                **({"initial_option": departments[0]} if len(departments) == 1 else {}),
            },
        },
        {
            "type": "input",
            "block_id": "title",
            "label": _plain(_label(options, lang, "title")),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": grammar.MAX_TITLE,
                "placeholder": _plain(t(lang, "slack.modal.title_placeholder")),
            },
        },
        {
            "type": "input",
            "block_id": "assignee",
            "optional": True,
            "label": _plain(_label(options, lang, "assignee")),
            "element": {"type": "users_select", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "due",
            "optional": True,
            "label": _plain(_label(options, lang, "due")),
            "element": {"type": "datepicker", "action_id": "value"},
        },
    ]
    if options.launches:
        blocks.append(
            {
                "type": "input",
                "block_id": "launch",
                "optional": True,
                "label": _plain(_label(options, lang, "launch")),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [_option(c.value, c.label) for c in options.launches[:MAX_OPTIONS]],
                },
            }
        )
    normal = _option("normal", t(lang, "slack.modal.priority_normal"))
    high = _option("high", options.labels.get("high") or t(lang, "slack.modal.priority_high"))
    blocks.append(
        {
            "type": "input",
            "block_id": "priority",
            "optional": True,
            "label": _plain(_label(options, lang, "priority")),
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [normal, high],
                "initial_option": normal,
            },
        }
    )
    view["blocks"] = blocks[:MAX_VIEW_BLOCKS]
    return view


def _value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    return (values.get(block_id) or {}).get("value") or {}


def read_submission(view: dict[str, Any], assignee_name: str | None = None) -> TaskForm:
    """A ``view_submission``'s ``view.state.values`` as the core's TaskForm.

    A date Slack sends that is not ISO (it always is) is kept as None here and would show as
    "no due date"; validation of content is the core's job.
    """
    values = (view.get("state") or {}).get("values") or {}
    department = (_value(values, "department").get("selected_option") or {}).get("value") or ""
    title = _value(values, "title").get("value") or ""
    assignee = _value(values, "assignee").get("selected_user") or None
    raw_due = _value(values, "due").get("selected_date")
    try:
        due = date.fromisoformat(raw_due) if raw_due else None
    except ValueError:
        due = None
    launch = (_value(values, "launch").get("selected_option") or {}).get("value") or None
    priority = (_value(values, "priority").get("selected_option") or {}).get("value")
    return TaskForm(
        department=department,
        title=title,
        assignee_id=assignee,
        assignee_name=assignee_name if assignee else None,
        due=due,
        launch=launch,
        high_priority=priority == "high",
    )


def metadata_of(view: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def error_block(view: dict[str, Any], error_field: str | None) -> str:
    """The input block to show a validation error on: the field at fault, else the title."""
    block_ids = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    if error_field in block_ids:
        return str(error_field)
    return "title" if "title" in block_ids else next(iter(sorted(i for i in block_ids if i)), "title")
