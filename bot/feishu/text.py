"""Incoming Feishu messages as command text the core understands.

Feishu puts ``@_user_N`` placeholders in a message's text and lists who they are in the
event's ``mentions``. A rich-text ``post`` carries its mentions as ``at`` elements instead — with
the placeholder, or with the person's own ids and name — and :func:`read_message` turns those
into placeholders and mentions too, so every message type reads the same way. The bot's own
mention is dropped; every other becomes the Slack-style ``<@open_id|name>`` the core's grammar
reads as a person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"@_user_\d+|@_post_\d+|@_all")
_UNSAFE_NAME = re.compile(r"[<>|\n\r]")


@dataclass(frozen=True)
class Mention:
    key: str
    open_id: str | None
    name: str
    user_id: str | None = None
    mentioned_type: str | None = None  # "user" | "bot", when Feishu says

    @classmethod
    def from_event(cls, mention: Any) -> Mention:
        """From the SDK's ``MentionEvent`` (or a plain dict, as in the raw event)."""
        if isinstance(mention, dict):
            ids = mention.get("id") or {}
            return cls(
                key=mention.get("key") or "",
                open_id=ids.get("open_id"),
                name=mention.get("name") or "",
                user_id=ids.get("user_id"),
                mentioned_type=mention.get("mentioned_type"),
            )
        ids = getattr(mention, "id", None)
        return cls(
            key=getattr(mention, "key", None) or "",
            open_id=getattr(ids, "open_id", None),
            name=getattr(mention, "name", None) or "",
            user_id=getattr(ids, "user_id", None),
            mentioned_type=getattr(mention, "mentioned_type", None),
        )


@dataclass(frozen=True)
class BotIdentity:
    """How to recognise the bot's own mention: its open_id when known, else its app name."""

    open_id: str | None = None
    app_name: str | None = None

    def is_me(self, mention: Mention) -> bool:
        if self.open_id:
            return mention.open_id == self.open_id
        if mention.mentioned_type is not None:
            return mention.mentioned_type == "bot" and (not self.app_name or mention.name == self.app_name)
        # Bots have no user_id; people have one when the app may read it.
        return not mention.user_id and bool(self.app_name) and mention.name == self.app_name


@dataclass(frozen=True)
class MessageText:
    """A message's text with placeholders, and who they are (the event's and the post's own)."""

    text: str
    mentions: tuple[Mention, ...]


def read_message(
    message_type: str | None, content: str | None, mentions: Iterable[Mention]
) -> MessageText | None:
    """The text of a ``text`` or ``post`` message and its mentions; None for anything else."""
    listed = tuple(mentions)
    if not content:
        return None
    try:
        data = json.loads(content)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if message_type == "text":
        text = data.get("text")
        return MessageText(text, listed) if isinstance(text, str) else None
    if message_type == "post":
        return _read_post(data, listed)
    return None


def _read_post(data: dict[str, Any], listed: tuple[Mention, ...]) -> MessageText | None:
    # A received rich-text post: {"title": …, "content": [[{"tag": "text", "text": …}, …], …]},
    # possibly wrapped in a locale ({"zh_cn": {…}}).
    if "content" not in data and len(data) == 1:
        inner = next(iter(data.values()))
        data = inner if isinstance(inner, dict) else {}
    paragraphs = data.get("content")
    if not isinstance(paragraphs, list):
        return None
    found: list[Mention] = []
    lines = []
    for paragraph in paragraphs:
        parts = []
        for element in paragraph if isinstance(paragraph, list) else ():
            if not isinstance(element, dict):
                continue
            if element.get("tag") in ("text", "a"):
                parts.append(str(element.get("text") or ""))
            elif element.get("tag") == "at":
                parts.append(_at_placeholder(element, len(found), found))
        lines.append("".join(parts))
    return MessageText("\n".join(lines), (*listed, *found))


def _at_placeholder(element: dict[str, Any], n: int, found: list[Mention]) -> str:
    """An ``at`` element as a placeholder: its own (``@_user_1``, ``all``) or one made for it."""
    user_id = str(element.get("user_id") or element.get("open_id") or "")
    if user_id == "all" or user_id == "@_all":
        return " @_all "
    if _PLACEHOLDER.fullmatch(user_id):
        return f" {user_id} "
    if not user_id:
        return ""
    key = f"@_post_{n + 1}"
    name = str(element.get("user_name") or element.get("name") or "")
    open_id = user_id if user_id.startswith("ou_") else None
    found.append(Mention(key=key, open_id=open_id, name=name, user_id=None if open_id else user_id))
    return f" {key} "


@dataclass(frozen=True)
class Translated:
    text: str
    mentioned_bot: bool
    people: tuple[Mention, ...]


def translate(
    text: str,
    mentions: Iterable[Mention],
    bot: BotIdentity,
    *,
    leading_is_bot: Callable[[], bool] | None = None,
) -> Translated:
    """Replace placeholders: the bot's mention is removed, people become ``<@open_id|name>``.

    ``leading_is_bot`` decides, when the bot cannot be recognised otherwise, whether a mention
    that starts the text is the bot's (in a group chat Feishu only delivers messages that
    mention the bot, so the leading mention is it).
    """
    by_key = {m.key: m for m in mentions if m.key}
    mine = {key for key, m in by_key.items() if bot.is_me(m)}
    if not mine and leading_is_bot is not None and leading_is_bot():
        first = _PLACEHOLDER.match(text.lstrip())
        if first and first.group(0) in by_key:
            mine.add(first.group(0))
    people: list[Mention] = []

    def replace(match: re.Match[str]) -> str:
        key = match.group(0)
        if key == "@_all":
            return ""
        mention = by_key.get(key)
        if mention is None:
            return key
        if key in mine:
            return ""
        if not mention.open_id:
            return "@" + _UNSAFE_NAME.sub("", mention.name)
        people.append(mention)
        name = _UNSAFE_NAME.sub("", mention.name).strip()
        return f"<@{mention.open_id}|{name}>" if name else f"<@{mention.open_id}>"

    translated = _PLACEHOLDER.sub(replace, text)
    translated = re.sub(r"[ \t]{2,}", " ", translated).strip()
    return Translated(translated, bool(mine), tuple(people))
