"""The entry point adapters call: text commands, button actions, forms and home views.

Every call runs in one database transaction: it either applies whole or not at all, and no
exception escapes — a user gets a specific message, the operator a log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.clock import Clock
from handlers.context import Caller
from handlers.replies import Outcome, Reply
from storage.db import Database

# Action ids carried by buttons; the value is the task number ("12") unless noted.
ACTION_START = "task.start"
ACTION_DONE = "task.done"
ACTION_SNOOZE = "task.snooze"  # snooze one day
ACTION_UNBLOCK = "task.unblock"
ACTION_REOPEN = "task.reopen"
ACTIONS = (ACTION_START, ACTION_DONE, ACTION_SNOOZE, ACTION_UNBLOCK, ACTION_REOPEN)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormOptions:
    """What a "new task" form offers: departments and open launches of the caller's workspace."""

    departments: tuple[Choice, ...]
    launches: tuple[Choice, ...]
    labels: dict[str, str]  # form field labels in the caller's language: title, department, …


@dataclass(frozen=True)
class TaskForm:
    """A submitted "new task" form (Slack modal). ``assignee_id`` is a platform user id."""

    department: str
    title: str
    assignee_id: str | None = None
    assignee_name: str | None = None
    due: date | None = None
    launch: str | None = None
    high_priority: bool = False


class Coordinator:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        default_timezone: str = "UTC",
        default_language: str = "en",
        admin_ids: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone
        self.default_language = default_language
        self.admin_ids = frozenset(admin_ids)

    def handle_text(self, caller: Caller, text: str) -> Outcome:
        """Run one command line (with or without the leading ``/coord``)."""
        raise NotImplementedError

    def handle_action(self, caller: Caller, action_id: str, value: str) -> Outcome:
        """Run a button press (one of :data:`ACTIONS`) as ``caller``; permissions apply."""
        raise NotImplementedError

    def form_options(self, caller: Caller) -> FormOptions:
        """Choices and labels for a "new task" form."""
        raise NotImplementedError

    def submit_task_form(self, caller: Caller, form: TaskForm) -> Outcome:
        """Create a task from a form; on bad input ``Outcome.error_field`` names the field."""
        raise NotImplementedError

    def language_for(self, caller: Caller) -> str:
        """The language replies to ``caller`` use ("en" or "zh")."""
        raise NotImplementedError

    def home(self, caller: Caller) -> Reply:
        """The caller's overview: open tasks, their departments' overdue/blocked, upcoming launches."""
        raise NotImplementedError
