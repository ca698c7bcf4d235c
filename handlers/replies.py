"""The platform-neutral reply model.

Handlers answer with a :class:`Reply`; each adapter renders it (console text, Slack Block
Kit, Feishu card). Rendering decisions (markup, colours, limits) belong to the adapters; the
core only says what there is to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from handlers.chart_model import Chart

# People and channels inside reply text are written ``<@USERID|name>`` / ``<#CHANNELID|name>``;
# each renderer turns them into its platform's mention (or plain ``@name`` on the console).
MENTION = re.compile(r"<([@#])([^<>|\s]+)(?:\|([^<>]*))?>")


def mention(user_id: str, name: str | None = None) -> str:
    return f"<@{user_id}|{name}>" if name else f"<@{user_id}>"


def plain_mentions(text: str) -> str:
    """``<@U1|alice>`` -> ``@alice``; ``<#C1|launch>`` -> ``#launch``."""
    return MENTION.sub(lambda m: f"{m.group(1)}{m.group(3) or m.group(2)}", text)


class Tone(StrEnum):
    """What kind of news a reply carries; renderers map it to colours or emoji."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A button that, when pressed, runs ``action_id`` with ``value`` as the pressing user."""

    action_id: str
    label: str
    value: str
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """One block of a reply: optional title and text, key/value fields, list items, buttons.

    ``context`` is a small grey line (who/when); ``more`` counts items left out of ``items``.
    """

    title: str | None = None
    text: str | None = None
    fields: tuple[Field, ...] = ()
    items: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    context: str | None = None
    more: int = 0


@dataclass(frozen=True)
class Choice:
    """One option of a pick-one input (or of a form's list of departments, launches)."""

    value: str
    label: str


class InputKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"  # submitted as ISO ``YYYY-MM-DD``
    CHOICE = "choice"  # one of ``choices``; submitted as its value
    PERSON = "person"  # a member of the platform; submitted as their user id


@dataclass(frozen=True)
class FormInput:
    """One field of a form; ``name`` is what its value is submitted under."""

    name: str
    label: str
    kind: InputKind = InputKind.TEXT
    required: bool = True
    initial: str | None = None
    placeholder: str | None = None
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    """Words a reply asks for: submitting runs ``action_id`` with ``value`` and the inputs' values.

    Adapters show it as their platform's form (a Slack modal, a Feishu card form); where there
    is none, the reply's text (the command to type) stands in for it.
    """

    action_id: str
    value: str
    title: str
    submit: str
    cancel: str
    inputs: tuple[FormInput, ...]
    intro: str | None = None


@dataclass(frozen=True)
class FormSubmission:
    """A submitted :class:`Form`: the action and value it names, and each input's value."""

    action_id: str
    value: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FileAttachment:
    """A file that goes with a reply (an export): Slack and Feishu upload it, the console writes it."""

    name: str  # coordbot-v2.3-2026-11-25.csv
    content: str  # the file's text, written as UTF-8
    mime: str  # text/csv, application/json

    @property
    def data(self) -> bytes:
        return self.content.encode("utf-8")


@dataclass(frozen=True)
class Reply:
    """A whole answer: a headline and sections, shown to the asker only or to the channel.

    ``ephemeral`` is the audience: True for the asker alone (lists, help, errors, refusals),
    False for everyone where it was asked. ``language`` is the one the text is written in; the
    core sets both, and renderers use them as they are (they never guess).
    """

    headline: str
    sections: tuple[Section, ...] = ()
    tone: Tone = Tone.INFO
    ephemeral: bool = True
    usage: str | None = None
    language: str = "en"
    file: FileAttachment | None = None
    chart: Chart | None = None  # drawn and uploaded by the adapter (a PNG on every platform)
    form: Form | None = None  # words the reply asks for (a platform form, else the text says how)
    # What the notification ledger keeps in place of this reply when it carries a secret (a feed's
    # address): a retry sends that, so the secret is never stored. None: the reply itself.
    stored_as: Reply | None = None

    def plain_text(self) -> str:
        """A readable plain-text rendering, used by the console and as a notification fallback."""
        colon, opening, closing = ("：", "（", "）") if self.language == "zh" else (": ", "(", ")")
        lines = [self.headline]
        for section in self.sections:
            if section.title:
                lines.append(f"  {section.title}")
            if section.text:
                lines.extend(f"  {line}" for line in section.text.splitlines())
            lines.extend(f"    {f.label}{colon}{f.value}" for f in section.fields)
            lines.extend(f"    • {item}" for item in section.items)
            if section.more:
                lines.append(f"    … +{section.more}")
            if section.buttons:
                lines.append("    " + "  ".join(f"[{b.label}]" for b in section.buttons))
            if section.context:
                lines.append(f"    {opening}{section.context}{closing}")
        if self.usage:
            lines.append(f"  {self.usage}")
        return plain_mentions("\n".join(lines))


@dataclass(frozen=True)
class Target:
    """Where an outbound message goes: a channel, a person (by DM), or one member of a channel.

    A ``member`` target is seen by that person alone, inside the channel (Slack's ephemeral
    messages, Feishu's cards only one member sees); ``id`` is the person, ``channel`` the channel.
    """

    kind: str  # "channel" | "user" | "member"
    id: str
    name: str | None = None
    channel_id: str | None = None  # for "member": the channel the person sees it in
    thread: str | None = None  # for "channel": a reply in this thread (Slack thread_ts, Feishu message id)

    @classmethod
    def channel(cls, channel_id: str, name: str | None = None) -> Target:
        return cls("channel", channel_id, name)

    @classmethod
    def in_thread(cls, channel_id: str, thread: str) -> Target:
        return cls("channel", channel_id, thread=thread)

    @classmethod
    def user(cls, user_id: str, name: str | None = None) -> Target:
        return cls("user", user_id, name)

    @classmethod
    def member(cls, channel_id: str, user_id: str, name: str | None = None) -> Target:
        return cls("member", user_id, name, channel_id)

    @property
    def label(self) -> str:
        shown = self.name or self.id
        if self.kind == "member":
            return f"@{shown} in {self.channel_id}"
        if self.thread:
            return f"#{shown} thread {self.thread}"
        return f"#{shown}" if self.kind == "channel" else f"DM @{shown}"


@dataclass(frozen=True)
class Outbound:
    """A message coordbot sends on its own: to a channel or a person's DM, in a workspace."""

    platform: str
    workspace_external_id: str
    target: Target
    reply: Reply
    key: str | None = None  # the notification's unique key, when it has one
    # The platform's handle on the request this message answers (Slack: its response_url;
    # Feishu: the message id it replies to), opaque to the core. A messenger answers through it
    # on a first attempt, and posts to ``target`` on any later one.
    reply_handle: str | None = None
    # An earlier attempt, made no sooner than this, failed in a way that may have delivered it
    # after all (a lost answer, a crash mid-send): a messenger that can look checks before it
    # sends again. None on a first attempt.
    earlier_attempt_since: datetime | None = None
    # Not to be sent before this instant: a DM waits for its recipient's working time (the ledger
    # holds it until then; None: now).
    not_before: datetime | None = None


@dataclass
class Outcome:
    """What running one command or action produced: the reply and messages to send after commit.

    ``answer`` is the reply as the ledger holds it (row ``answer_id``, recorded with the command
    when the caller said where answers go): sending it is owed even if the process dies after the
    commit.
    """

    reply: Reply
    outbox: list[Outbound] = field(default_factory=list)
    error_field: str | None = None  # which input was wrong (for forms that show errors on a field)
    changed_task: int | None = None  # number of the task a button changed, to re-render in place
    already_done: bool = False  # the ``once`` guard said this work ran before: send nothing
    retry_later: bool = False  # the database was unreachable: nothing applied, nothing marked done
    answer: Outbound | None = None
    answer_id: int | None = None
