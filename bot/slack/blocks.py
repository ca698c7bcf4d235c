"""Block Kit rendering of the core's :class:`~handlers.replies.Reply`, always within Slack's limits.

Slack rejects a whole message when any limit is exceeded (``invalid_blocks``), so the renderer
never lets that happen: long lists are cut with an "… and N more" line, long texts are shortened,
buttons with oversized values are left out. Limits (api.slack.com/reference/block-kit):

* 50 blocks per message, 100 per view (modal, App Home);
* 3000 characters per section/context text, 2000 per section field, 10 fields per section;
* 25 elements per actions block, 75 characters per button label, 2000 per button value,
  255 per ``action_id`` / ``block_id``.

Every button gets an ``action_id`` of the form ``"<core action id>:<value>"`` (plus ``":<n>"``
when the same pair appears twice), unique within its message; :func:`core_action` gets the core
action id back. Blocks that belong to one task (a section whose buttons all carry the same task
number) get ``block_id`` ``"task:<number>:<n>"`` so a button press can re-render that task in place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from handlers.i18n import t
from handlers.replies import Button, ButtonStyle, Reply, Section, Tone

log = logging.getLogger(__name__)

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_FIELD_BLOCKS_PER_SECTION = 2
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
MAX_FALLBACK_TEXT = 3000

TONE_EMOJI = {
    Tone.ERROR: ":x:",
    Tone.WARNING: ":warning:",
    Tone.SUCCESS: ":white_check_mark:",
    Tone.INFO: ":information_source:",
}

Block = dict[str, Any]

# Slack's own escaped references that may pass through unescaped: user and channel mentions.
# ``<!channel>``/``<!here>`` and links are deliberately escaped, so no task title can ping a room.
_SLACK_REFERENCE = re.compile(r"<[@#][A-Z0-9]+(?:\|[^<>\n]{0,200})?>")
_TASK_BLOCK = re.compile(r"^task:(\d+):")


def escape(text: str) -> str:
    """Escape ``&``, ``<``, ``>`` for mrkdwn, keeping ``<@U…>`` and ``<#C…>`` references."""
    out: list[str] = []
    pos = 0
    for match in _SLACK_REFERENCE.finditer(text):
        out.append(_escape_plain(text[pos : match.start()]))
        out.append(match.group())
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters with "…", never inside an ``&amp;`` entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def core_action(slack_action_id: str) -> str:
    """The core action id inside a rendered button's ``action_id``."""
    return slack_action_id.split(":", 1)[0]


def task_of_block(block_id: str | None) -> int | None:
    match = _TASK_BLOCK.match(block_id or "")
    return int(match.group(1)) if match else None


def fallback_text(reply: Reply) -> str:
    """The notification text sent alongside the blocks (and shown where blocks are not)."""
    return shorten(escape(reply.plain_text()), MAX_FALLBACK_TEXT)


def section_task(section: Section) -> int | None:
    """The task number a section is the card of: all its buttons act on the same task."""
    values = {b.value for b in section.buttons}
    if len(values) == 1:
        (value,) = values
        if value.isdigit():
            return int(value)
    return None


@dataclass
class _Ids:
    """Keeps action and block ids unique within one message or view."""

    actions: set[str] = field(default_factory=set)
    blocks: int = 0

    def action(self, button: Button) -> str:
        base = f"{button.action_id}:{button.value}"[: MAX_ID - 8]
        candidate, n = base, 1
        while candidate in self.actions:
            n += 1
            candidate = f"{base}:{n}"
        self.actions.add(candidate)
        return candidate

    def block(self, task: int | None) -> str | None:
        if task is None:
            return None
        self.blocks += 1
        return f"task:{task}:{self.blocks}"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _section_block(text: str | None = None, fields: Sequence[str] = (), block_id: str | None = None) -> Block:
    block: Block = {"type": "section"}
    if text:
        block["text"] = _mrkdwn(shorten(text, MAX_TEXT))
    if fields:
        block["fields"] = [_mrkdwn(shorten(f, MAX_FIELD_TEXT)) for f in fields[:MAX_FIELDS]]
    if block_id:
        block["block_id"] = block_id
    return block


def _context_block(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [_mrkdwn(shorten(text, MAX_TEXT))]}
    if block_id:
        block["block_id"] = block_id
    return block


def _button(button: Button, ids: _Ids) -> Block | None:
    if len(button.value) > MAX_BUTTON_VALUE:
        log.warning("button %s left out: value of %d characters", button.action_id, len(button.value))
        return None
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(button.label, MAX_BUTTON_TEXT) or "·", "emoji": True},
        "action_id": ids.action(button),
        "value": button.value,
    }
    if button.style is ButtonStyle.PRIMARY:
        element["style"] = "primary"
    elif button.style is ButtonStyle.DANGER:
        element["style"] = "danger"
    return element


def _pack_lines(lines: Iterable[str], limit: int) -> list[tuple[str, int]]:
    """Join lines into as few texts of at most ``limit`` characters as possible, with their line counts."""
    chunks: list[tuple[str, int]] = []
    current, count = "", 0
    for line in lines:
        line = shorten(line, limit)
        if count and len(current) + 1 + len(line) > limit:
            chunks.append((current, count))
            current, count = line, 1
        else:
            current = f"{current}\n{line}" if count else line
            count += 1
    if count:
        chunks.append((current, count))
    return chunks


def render_section(section: Section, lang: str, budget: int, ids: _Ids) -> list[Block] | None:
    """Blocks for one section using at most ``budget`` blocks; None when even a cut version won't fit."""
    task = section_task(section)
    head_parts = []
    if section.title:
        head_parts.append(f"*{escape(section.title)}*")
    if section.text:
        head_parts.append(escape(section.text))
    head = "\n".join(head_parts)
    field_texts = [f"*{escape(f.label)}*\n{escape(f.value)}" for f in section.fields]
    max_fields = MAX_FIELDS * MAX_FIELD_BLOCKS_PER_SECTION
    fields_left_out = max(0, len(field_texts) - max_fields)
    field_texts = field_texts[:max_fields]
    field_groups = [field_texts[i : i + MAX_FIELDS] for i in range(0, len(field_texts), MAX_FIELDS)]

    fixed: list[Block] = []
    if head or field_groups:
        fixed.append(_section_block(head, field_groups[0] if field_groups else (), ids.block(task)))
        fixed.extend(_section_block(None, group, ids.block(task)) for group in field_groups[1:])
    tail: list[Block] = []
    elements = [e for e in (_button(b, ids) for b in section.buttons[:MAX_ACTION_ELEMENTS]) if e]
    if elements:
        actions: Block = {"type": "actions", "elements": elements}
        block_id = ids.block(task)
        if block_id:
            actions["block_id"] = block_id
        tail.append(actions)
    if section.context:
        tail.append(_context_block(escape(section.context), ids.block(task)))

    item_chunks = _pack_lines((f"• {escape(item)}" for item in section.items), MAX_TEXT)
    left_out = section.more + fields_left_out
    room = budget - len(fixed) - len(tail)
    if item_chunks:
        if room < 1:
            return None
        if len(item_chunks) > room or (left_out and len(item_chunks) == room):
            # keep room for the "and N more" line
            keep = max(0, room - 1)
            left_out += sum(count for _, count in item_chunks[keep:])
            item_chunks = item_chunks[:keep]
    elif room < (1 if left_out else 0):
        return None
    if room < 0:
        return None
    items = [_section_block(chunk, (), ids.block(task)) for chunk, _ in item_chunks]
    more = [_context_block(t(lang, "slack.more", count=left_out))] if left_out else []
    return [*fixed, *items, *more, *tail]


def render_blocks(reply: Reply, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """All blocks of ``reply``: headline, sections (cut to fit ``max_blocks``), usage line.

    In the reply's own language (the "… and N more" lines).
    """
    lang = reply.language
    ids = _Ids()
    emoji = TONE_EMOJI.get(reply.tone, "")
    headline = shorten(escape(reply.headline), MAX_TEXT - len(emoji) - 4)
    blocks: list[Block] = [_section_block(f"{emoji} *{headline}*" if emoji else f"*{headline}*")]
    usage = [_context_block(escape(reply.usage))] if reply.usage else []
    reserve = len(usage) + 1  # the usage line and a possible "… and N more" line
    dropped = 0
    for index, section in enumerate(reply.sections):
        divider = [{"type": "divider"}] if index > 0 else []
        budget = max_blocks - len(blocks) - reserve - len(divider)
        if index == len(reply.sections) - 1:
            budget += 1  # the last section needs no room for a "more sections" line after it
        rendered = render_section(section, lang, budget, ids) if budget > 0 else None
        if rendered is None:
            dropped = len(reply.sections) - index
            break
        blocks.extend(divider)
        blocks.extend(rendered)
    if dropped:
        blocks.append(_context_block(t(lang, "slack.more_sections", count=dropped)))
    blocks.extend(usage)
    return blocks[:max_blocks]


def render_message(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``chat.postMessage`` / ``respond``: ``blocks`` and fallback ``text``."""
    return {"blocks": render_blocks(reply), "text": fallback_text(reply)}


def render_home(reply: Reply) -> dict[str, Any]:
    """An App Home view (``views.publish``) of ``reply``."""
    return {"type": "home", "blocks": render_blocks(reply, max_blocks=MAX_VIEW_BLOCKS)}


def render_card(section: Section, lang: str) -> list[Block]:
    """The blocks of one task card on its own (for splicing into an existing message), in ``lang``
    (the language of the reply the card came in)."""
    return render_section(section, lang, MAX_MESSAGE_BLOCKS - 1, _Ids()) or []


def replace_task_blocks(
    original: Sequence[Block], task: int, replacement: Sequence[Block]
) -> list[Block] | None:
    """``original`` with the blocks of ``task`` swapped for ``replacement``; None if it has none.

    Used to update a task card in place inside a longer message (a list, a digest).
    """
    positions = [i for i, b in enumerate(original) if task_of_block(b.get("block_id")) == task]
    if not positions:
        return None
    first = positions[0]
    kept = [b for i, b in enumerate(original) if i not in positions[1:] and i != first]
    new = [*kept[:first], *replacement, *kept[first:]]
    _dedupe_ids(new)
    return new[:MAX_MESSAGE_BLOCKS]


def _dedupe_ids(blocks: list[Block]) -> None:
    """Make block and action ids unique again after splicing blocks from two renderings."""
    seen_blocks: set[str] = set()
    seen_actions: set[str] = set()
    for block in blocks:
        block_id = block.get("block_id")
        if block_id:
            candidate, n = block_id, 1
            while candidate in seen_blocks:
                n += 1
                candidate = f"{block_id}.{n}"[:MAX_ID]
            block["block_id"] = candidate
            seen_blocks.add(candidate)
        for element in block.get("elements", ()) if block.get("type") == "actions" else ():
            action_id = element.get("action_id")
            if action_id:
                candidate, n = action_id, 1
                while candidate in seen_actions:
                    n += 1
                    candidate = f"{action_id}:{n}"[:MAX_ID]
                element["action_id"] = candidate
                seen_actions.add(candidate)
