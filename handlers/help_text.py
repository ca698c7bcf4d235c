"""Help and usage texts, all from the message catalog."""

from __future__ import annotations

from handlers.grammar import COMMAND_NAMES
from handlers.i18n import Translator
from handlers.replies import Reply, Section


def usage_line(tr: Translator, command: str) -> str:
    return tr("word.usage", usage=tr(f"usage.{command}"))


def examples(tr: Translator, command: str) -> str:
    return tr(f"examples.{command}")


def help_reply(tr: Translator, topic: str | None) -> Reply:
    if topic is not None and topic != "help":
        return Reply(
            tr("help.topic_title", command=topic),
            (Section(text=tr(f"help.{topic}")), Section(title=tr("help.examples"), text=examples(tr, topic))),
            usage=usage_line(tr, topic),
        )
    lines = tuple(tr(f"usage.{name}") for name in COMMAND_NAMES if name not in ("uncheck", "unblock"))
    return Reply(
        tr("help.title"), (Section(text=tr("help.intro"), items=lines), Section(text=tr("help.more")))
    )
