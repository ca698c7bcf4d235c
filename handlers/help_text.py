"""Help and usage texts, all from the message catalog."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.grammar import COMMAND_NAMES
from handlers.i18n import Translator
from handlers.replies import Reply, Section
from handlers.timewords import MAX_DURATION

# Examples after an error name the caller's own task when the command named one, else this.
TASK_PLACEHOLDER = "#<id>"
HELP_EXAMPLE_TASK = "#12"  # a help page's examples show a task number as a number


def usage_line(tr: Translator, command: str) -> str:
    return tr("word.usage", usage=tr(f"usage.{command}"))


def examples(tr: Translator, command: str, params: Mapping[str, object] | None = None) -> str | None:
    """The examples of ``command``; after an error, about the task the caller named (``params``).

    ``None`` when they would only repeat the usage line (``/coord done #<id>`` with no task named).
    """
    number = (params or {}).get("number")
    task = f"#{number}" if isinstance(number, int) else TASK_PLACEHOLDER
    shown = tr(f"examples.{command}", task=task)
    return None if shown == tr(f"usage.{command}") else shown


def help_reply(tr: Translator, topic: str | None) -> Reply:
    limits = {"max_days": MAX_DURATION.days}
    if topic is not None and topic != "help":
        return Reply(
            tr("help.topic_title", command=topic),
            (
                Section(text=tr(f"help.{topic}", **limits)),
                Section(title=tr("help.examples"), text=tr(f"examples.{topic}", task=HELP_EXAMPLE_TASK)),
            ),
            usage=usage_line(tr, topic),
        )
    lines = tuple(tr(f"usage.{name}") for name in COMMAND_NAMES)
    return Reply(
        tr("help.title"),
        (Section(text=tr("help.intro"), items=lines), Section(text=tr("help.more", **limits))),
    )
