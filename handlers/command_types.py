"""The typed commands the grammar produces, and the usage error it raises.

Plain data: nothing here parses or touches the database. :mod:`handlers.grammar` builds these
from text (and forms build them directly); the command handlers run them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from handlers.context import SourceMessage


@dataclass(frozen=True)
class PersonRef:
    user_id: str
    name: str | None = None


@dataclass(frozen=True)
class ChannelRef:
    channel_id: str
    name: str | None = None


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class KeptPhrase:
    """Words that looked like an option but stayed in the title: ``for launch``, ``due date bug``."""

    kind: str  # "launch" (the name is no launch) | "due" (the words are no date)
    phrase: str
    value: str


@dataclass(frozen=True)
class AddTask:
    department: str
    title: str
    assignee: PersonRef | None = None
    due: date | None = None
    launch: str | None = None
    high_priority: bool = False
    due_phrase: str | None = None  # the words read as the due date ("due fri"), echoed in the reply
    launch_phrase: str | None = None  # the words read as the launch ("for v2.3")
    kept: tuple[KeptPhrase, ...] = ()
    description: str | None = None
    source: SourceMessage | None = None  # the message it is made from (else the caller's reply-to)
    # Readings to fall back on, best first, when this one names a launch that does not exist:
    # whether "for launch" is an option depends on the launches the workspace has.
    alternatives: tuple[AddTask, ...] = ()


@dataclass(frozen=True)
class ListTasks:
    scope: str = "open"  # open | mine | department | overdue | blocked | all
    department: str | None = None
    launch: str | None = None


@dataclass(frozen=True)
class ShowTask:
    number: int


@dataclass(frozen=True)
class ChangeStatus:
    verb: str  # start | done | reopen | unblock
    number: int


@dataclass(frozen=True)
class ChangeStatuses:
    """``done #3 #5 #8``: one status change for several tasks."""

    verb: str
    numbers: tuple[int, ...]


@dataclass(frozen=True)
class BlockTask:
    number: int
    reason: str


@dataclass(frozen=True)
class AssignTask:
    """To a person, to a department, or (neither) to nobody: the task is unassigned."""

    number: int
    person: PersonRef | None = None
    department: str | None = None


@dataclass(frozen=True)
class SetDue:
    number: int
    due: date | None  # None clears the due date


@dataclass(frozen=True)
class SnoozeTask:
    number: int
    duration: timedelta | None  # None: until the next working day (``tomorrow``), or ``day``
    day: date | None = None  # ``snooze #3 until mon``: until that day's working morning


@dataclass(frozen=True)
class RenameTask:
    number: int
    title: str


@dataclass(frozen=True)
class DeleteTask:
    number: int


@dataclass(frozen=True)
class CheckItem:
    launch: str
    department: str
    item: int
    done: bool = True


@dataclass(frozen=True)
class ListDepartments:
    pass


@dataclass(frozen=True)
class SetDepartment:
    department: str
    lead: PersonRef | None = None
    channel: ChannelRef | None = None
    members: tuple[PersonRef, ...] | None = None
    holidays: str | None = None  # a public-holiday region of its own ("none": the workspace's)


@dataclass(frozen=True)
class AddDepartment:
    key: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenameDepartment:
    department: str
    new_key: str


@dataclass(frozen=True)
class ShowSettings:
    pass


@dataclass(frozen=True)
class ChangeSetting:
    name: str  # timezone | language | workdays | holidays | hours | checkin | nudge | offsets | escalate
    value: object


@dataclass(frozen=True)
class Digest:
    action: str  # here | off | now
    at: time | None = None
    days: int | None = None


@dataclass
class UsageError(Exception):
    """What was wrong with a command: a catalog key, its parameters, and which usage to show."""

    key: str
    usage: str | None = None  # the command whose usage to show ("add", "list" …)
    params: dict[str, object] = field(default_factory=dict)
    field: str | None = None  # the form field at fault, when there is one

    def __str__(self) -> str:
        return f"{self.key} {self.params}"
