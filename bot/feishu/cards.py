"""Rendering the core's :class:`~handlers.replies.Reply` as a Feishu interactive card (JSON 2.0).

A card has a header coloured by the reply's tone and a body of elements: markdown for titles,
text and list items, two-column rows for fields, a row of callback buttons per section and a
small grey line for context. Buttons carry ``{"action": action_id, "value": value}`` as their
callback value (plus ``"in_place": true`` on a card about a single task, which the press then
replaces with the updated card); a press comes back as ``card.action.trigger``.

A reply that asks for words (:attr:`Reply.form`) is a card with a ``form`` container: its inputs
and a submit button whose callback value is ``{"action", "value", "form": true}``; the press
comes back with the inputs' values in ``action.form_value``.

Feishu limits a card to about 30 KB of JSON and 200 elements, so long lists are cut with an
"… and N more" line until the card fits.
"""

from __future__ import annotations

import json
import re
from typing import Any

from handlers.i18n import t
from handlers.replies import Button, ButtonStyle, Form, FormInput, InputKind, Reply, Section, Tone

HEADER_TEMPLATES = {
    Tone.INFO: "blue",
    Tone.SUCCESS: "green",
    Tone.WARNING: "orange",
    Tone.ERROR: "red",
}
BUTTON_TYPES = {
    ButtonStyle.DEFAULT: "default",
    ButtonStyle.PRIMARY: "primary",
    ButtonStyle.DANGER: "danger",
}
TOAST_TYPES = {Tone.INFO: "info", Tone.SUCCESS: "success", Tone.WARNING: "warning", Tone.ERROR: "error"}

MAX_CARD_BYTES = 28_000  # Feishu rejects cards over 30 KB; keep a margin
MAX_ELEMENTS = 180  # Feishu allows 200 components per card
MAX_ITEMS = 40  # list lines shown per section before "… and N more"
MAX_TEXT = 3_000  # characters per markdown element
MAX_ITEM = 300  # characters per list line
MAX_HEADLINE = 100
MAX_BUTTON_LABEL = 40
MAX_INPUT = 1000  # Feishu's input allows at most 1,000 characters
MAX_OPTIONS = 100
FORM_NAME = "coord_form"
SUBMIT_NAME = "submit"

_URL = re.compile(r"https?://[^\s<>()\[\]*`~\"']+")
_MENTION = re.compile(r"<@([A-Za-z0-9_\-]+)(?:\|([^>]*))?>")
_ESCAPES = str.maketrans(
    {
        "<": "&lt;",
        ">": "&gt;",
        "*": "&#42;",
        "~": "&#126;",
        "[": "&#91;",
        "]": "&#93;",
        "`": "&#96;",
    }
)


def escape_markdown(text: str) -> str:
    """Plain text made safe for a card's markdown; Slack-style ``<@id|name>`` become Feishu @s and
    web addresses links (a task's source message is clicked, not copied)."""
    out: list[str] = []
    position = 0
    for match in _MENTION.finditer(text):
        out.append(_escape_linking(text[position : match.start()]))
        user_id, name = match.group(1), match.group(2)
        if user_id.startswith("ou_"):
            out.append(f"<at id={user_id}></at>")
        else:
            out.append("@" + (name or user_id).translate(_ESCAPES))
        position = match.end()
    out.append(_escape_linking(text[position:]))
    return "".join(out)


def _escape_linking(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        out.append(text[position : match.start()].translate(_ESCAPES))
        out.append(f"[{url.translate(_ESCAPES)}]({url})")
        position = match.end()
    out.append(text[position:].translate(_ESCAPES))
    return "".join(out)


def plain(text: str) -> str:
    """Plain text (headers, button labels) with Slack-style mentions shown as ``@name``."""
    return _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _markdown(content: str, **extra: Any) -> dict[str, Any]:
    return {"tag": "markdown", "content": _clip(content, MAX_TEXT), **extra}


def _button(button: Button, in_place: bool) -> dict[str, Any]:
    value: dict[str, Any] = {"action": button.action_id, "value": button.value}
    if in_place:
        value["in_place"] = True
    return {
        "tag": "button",
        "text": {"tag": "plain_text", "content": _clip(plain(button.label), MAX_BUTTON_LABEL)},
        "type": BUTTON_TYPES.get(button.style, "default"),
        "size": "small",
        "behaviors": [{"type": "callback", "value": value}],
    }


def _buttons_row(buttons: tuple[Button, ...], in_place: bool) -> dict[str, Any]:
    return {
        "tag": "column_set",
        "flex_mode": "flow",
        "horizontal_spacing": "small",
        "columns": [
            {"tag": "column", "width": "auto", "elements": [_button(button, in_place)]} for button in buttons
        ],
    }


def _fields_rows(section: Section) -> list[dict[str, Any]]:
    rows = []
    fields = list(section.fields)
    for start in range(0, len(fields), 2):
        pair = fields[start : start + 2]
        columns = [
            {
                "tag": "column",
                "width": "weighted",
                "weight": 1,
                "elements": [_markdown(f"**{escape_markdown(f.label)}**\n{escape_markdown(f.value)}")],
            }
            for f in pair
        ]
        if len(columns) == 1:
            columns.append({"tag": "column", "width": "weighted", "weight": 1, "elements": []})
        rows.append({"tag": "column_set", "flex_mode": "bisect", "columns": columns})
    return rows


def _more_line(lang: str, count: int) -> dict[str, Any]:
    return _markdown(f"<font color='grey'>{escape_markdown(t(lang, 'feishu.more', count=count))}</font>")


def _section_elements(section: Section, lang: str, max_items: int, in_place: bool) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    head = []
    if section.title:
        head.append(f"**{escape_markdown(section.title)}**")
    if section.text:
        head.append(escape_markdown(section.text))
    if head:
        elements.append(_markdown("\n".join(head)))
    elements.extend(_fields_rows(section))
    lines: list[str] = []
    length = 0
    for item in section.items[:max_items]:
        line = "- " + _clip(escape_markdown(item), MAX_ITEM)
        length += len(line) + 1
        if length > MAX_TEXT:
            break
        lines.append(line)
    left_out = section.more + (len(section.items) - len(lines))
    if lines:
        elements.append(_markdown("\n".join(lines)))
    if left_out > 0:
        elements.append(_more_line(lang, left_out))
    if section.buttons:
        elements.append(_buttons_row(section.buttons, in_place))
    if section.context:
        elements.append(_markdown(escape_markdown(section.context), text_size="notation"))
    return elements


def _plain_text(text: str, limit: int = MAX_HEADLINE) -> dict[str, str]:
    return {"tag": "plain_text", "content": _clip(plain(text), limit)}


def _form_input(item: FormInput) -> list[dict[str, Any]]:
    """One input of a form (a date picker has no label of its own: a line above it says what)."""
    common: dict[str, Any] = {"name": item.name, "required": item.required}
    if item.placeholder:
        common["placeholder"] = _plain_text(item.placeholder)
    if item.kind is InputKind.DATE:
        picker = {"tag": "date_picker", **common, **({"initial_date": item.initial} if item.initial else {})}
        return [_markdown(f"**{escape_markdown(item.label)}**"), picker]
    if item.kind is InputKind.CHOICE:
        options = [{"text": _plain_text(c.label), "value": c.value} for c in item.choices[:MAX_OPTIONS]]
        select = {"tag": "select_static", **common, "options": options}
        if item.initial:
            select["initial_option"] = item.initial
        return [_markdown(f"**{escape_markdown(item.label)}**"), select]
    if item.kind is InputKind.PERSON:
        person = {
            "tag": "select_person",
            **common,
            **({"initial_option": item.initial} if item.initial else {}),
        }
        return [_markdown(f"**{escape_markdown(item.label)}**"), person]
    text: dict[str, Any] = {
        "tag": "input",
        **common,
        "label": _plain_text(item.label),
        "label_position": "top",
        "max_length": min(item.max_length or MAX_INPUT, MAX_INPUT),
    }
    if item.kind is InputKind.LONG_TEXT:
        text.update(input_type="multiline_text", rows=3)
    if item.initial:
        text["default_value"] = item.initial[: text["max_length"]]
    return [text]


def form_elements(form: Form) -> list[dict[str, Any]]:
    """The intro and the ``form`` container of ``form``, with its submit button."""
    inputs = [element for item in form.inputs for element in _form_input(item)]
    submit = {
        "tag": "button",
        "name": SUBMIT_NAME,
        "text": _plain_text(form.submit, MAX_BUTTON_LABEL),
        "type": "primary",
        "form_action_type": "submit",
        "behaviors": [
            {"type": "callback", "value": {"action": form.action_id, "value": form.value, "form": True}}
        ],
    }
    elements = [_markdown(escape_markdown(form.intro))] if form.intro else []
    elements.append({"tag": "form", "name": FORM_NAME, "elements": [*inputs, submit]})
    return elements


def _build(reply: Reply, lang: str, max_items: int, image_key: str | None = None) -> dict[str, Any]:
    # A card about one task is replaced in place when its buttons are pressed; a card listing
    # several keeps its content and the press answers with a toast.
    in_place = len({b.value for section in reply.sections for b in section.buttons}) == 1
    if reply.form is not None:  # the form stands for the reply's text (which says what to type)
        return _card(plain(reply.form.title), reply.tone, form_elements(reply.form))
    elements: list[dict[str, Any]] = []
    for index, section in enumerate(reply.sections):
        if index and elements:
            elements.append({"tag": "hr"})
        elements.extend(_section_elements(section, lang, max_items, in_place))
    if reply.usage:
        elements.append(_markdown(escape_markdown(reply.usage), text_size="notation"))
    if image_key:  # an uploaded chart (im.v1.image), below the text
        alt = {"tag": "plain_text", "content": _clip(plain(reply.headline), MAX_HEADLINE)}
        elements.append({"tag": "img", "img_key": image_key, "alt": alt, "scale_type": "fit_horizontal"})
    if len(elements) > MAX_ELEMENTS:
        dropped = len(elements) - MAX_ELEMENTS + 1
        elements = [*elements[: MAX_ELEMENTS - 1], _more_line(lang, dropped)]
    return _card(plain(reply.headline), reply.tone, elements)


def _card(headline: str, tone: Tone, elements: list[dict[str, Any]]) -> dict[str, Any]:
    headline = _clip(headline, MAX_HEADLINE)
    return {
        "schema": "2.0",
        "config": {"update_multi": True, "summary": {"content": headline}},
        "header": {
            "title": {"tag": "plain_text", "content": headline},
            "template": HEADER_TEMPLATES.get(tone, "blue"),
        },
        "body": {"elements": elements},
    }


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def render_card(
    reply: Reply, *, max_bytes: int = MAX_CARD_BYTES, image_key: str | None = None
) -> dict[str, Any]:
    """The card for ``reply`` in its language (with the uploaded image ``image_key`` under it);
    lists are cut (with "… and N more") until it fits ``max_bytes``."""
    lang = reply.language
    max_items = MAX_ITEMS
    card = _build(reply, lang, max_items, image_key)
    while card_size(card) > max_bytes and max_items > 0:
        max_items //= 2
        card = _build(reply, lang, max_items, image_key)
    if card_size(card) > max_bytes:
        # Still too big without any list items: long texts or many fields. Keep the headline
        # and as many leading elements as fit.
        elements = card["body"]["elements"]
        while elements and card_size(card) > max_bytes:
            elements.pop()
        elements.append(_more_line(lang, 1))
    return card


def card_content(reply: Reply, image_key: str | None = None) -> str:
    """The ``content`` string of an ``interactive`` message."""
    return json.dumps(render_card(reply, image_key=image_key), ensure_ascii=False)


def toast(reply: Reply) -> dict[str, str]:
    """A toast for a button press: the reply's headline, typed by its tone."""
    return {"type": TOAST_TYPES.get(reply.tone, "info"), "content": _clip(plain(reply.headline), 200)}
