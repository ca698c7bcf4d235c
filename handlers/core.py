"""The entry point adapters call: text commands, button actions, forms and home views.

Every call runs in one database transaction: it either applies whole or not at all, and no
exception escapes — a user gets a specific message, the operator a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from handlers import admin_commands, help_text, launch_routes, task_commands
from handlers import grammar as g
from handlers import launch_grammar as lg
from handlers import outbox as command_outbox
from handlers import template_grammar as tg
from handlers.clock import Clock
from handlers.context import Caller
from handlers.execution import CommandError, Ctx
from handlers.i18n import Translator, normalise_language
from handlers.replies import Outcome, Reply, Section, Tone
from handlers.views import (  # noqa: F401  (re-exported: adapters import the action ids from here)
    ACTION_DONE,
    ACTION_REOPEN,
    ACTION_SNOOZE,
    ACTION_START,
    ACTION_UNBLOCK,
)
from handlers.views import ACTIONS as TASK_ACTIONS
from storage import repo
from storage.db import Database
from storage.models import Person, Workspace

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE_BY_PLATFORM = {"feishu": "zh"}


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


@dataclass(frozen=True)
class Profile:
    """What a platform knows of a person (from a mention or a user lookup)."""

    user_id: str
    name: str | None = None
    timezone: str | None = None
    language: str | None = None


HANDLERS: dict[type, Callable[[Ctx, Any], Reply]] = {
    g.AddTask: task_commands.add,
    g.ListTasks: task_commands.list_tasks,
    g.ShowTask: task_commands.show,
    g.ChangeStatus: task_commands.change_status,
    g.BlockTask: task_commands.block,
    g.AssignTask: task_commands.assign,
    g.SetDue: task_commands.set_due,
    g.SnoozeTask: task_commands.snooze,
    g.RenameTask: task_commands.rename,
    g.DeleteTask: task_commands.delete,
    g.ListDepartments: admin_commands.list_departments,
    g.AddDepartment: admin_commands.add_department,
    g.RenameDepartment: admin_commands.rename_department,
    g.SetDepartment: admin_commands.set_department,
    g.ShowSettings: admin_commands.show_settings,
    g.ChangeSetting: admin_commands.change_setting,
    g.Digest: admin_commands.digest,
    **launch_routes.HANDLERS,
}
ACTIONS = (*TASK_ACTIONS, *launch_routes.ACTIONS)  # every button id adapters route to handle_action


OnceGuard = Callable[[Session], bool]
CONFLICT_RETRIES = 2  # extra runs of a command PostgreSQL rolled back for a deadlock or conflict
_CONFLICT_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


def _conflict(exc: DBAPIError) -> bool:
    """Whether the database rolled the transaction back only because of another one's locks."""
    return getattr(exc.orig, "sqlstate", None) in _CONFLICT_STATES


class _AlreadyDone(Exception):
    """The ``once`` guard found the work done before; rolls the transaction back."""


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

    # -- entry points -------------------------------------------------------------------------

    def handle_text(self, caller: Caller, text: str, *, once: OnceGuard | None = None) -> Outcome:
        """Run one command line (with or without the leading ``/coord``).

        ``once``, when given, runs first inside the command's transaction and marks the work done
        (an adapter's inbox entry); if it says the work was done before, nothing runs and the
        outcome is ``already_done``. A command that is refused is marked done on its own.
        """

        def run(ctx: Ctx) -> Reply:
            command = g.parse(text, ctx.today, ctx.calendar)
            if isinstance(command, g.Help):
                return help_text.help_reply(ctx.tr, command.topic)
            return HANDLERS[type(command)](ctx, command)

        return self._run(caller, run, what=f"command {text[:60]!r}", once=once)

    def handle_command(
        self, caller: Caller, command: g.Command | lg.LaunchCommand | tg.TemplateCommand
    ) -> Outcome:
        """Run an already-typed command (forms build these)."""
        if isinstance(command, g.Help):
            return self._run(caller, lambda ctx: help_text.help_reply(ctx.tr, command.topic), what="help")
        return self._run(
            caller, lambda ctx: HANDLERS[type(command)](ctx, command), what=type(command).__name__
        )

    def handle_action(
        self, caller: Caller, action_id: str, value: str, *, once: OnceGuard | None = None
    ) -> Outcome:
        """Run a button press (one of :data:`ACTIONS`) as ``caller``; permissions apply.

        ``once`` as for :meth:`handle_text`.
        """
        run = launch_routes.run_action if action_id in launch_routes.ACTIONS else task_commands.run_action
        outcome = self._run(
            caller,
            lambda ctx: run(ctx, action_id, value),
            what=f"action {action_id}",
            once=once,
        )
        if outcome.reply.tone != Tone.ERROR and value.isdigit():
            outcome.changed_task = int(value)
        return outcome

    def form_options(self, caller: Caller) -> FormOptions:
        """Choices and labels for a "new task" form."""
        with self.db.transaction() as session:
            ctx = self._context(session, caller)
            departments = tuple(Choice(d.key, d.key) for d in repo.departments(session, ctx.workspace))
            launches = tuple(
                Choice(launch.name, f"{launch.name} ({launch.launch_date.isoformat()})")
                for launch in repo.launches(session, ctx.workspace, from_day=ctx.today)
            )
            names = (
                "title",
                "department",
                "assignee",
                "due",
                "launch",
                "priority",
                "high",
                "submit",
                "cancel",
            )
            labels = {name: ctx.tr(f"form.{name}") for name in names}
            labels["heading"] = ctx.tr("form.heading")
            return FormOptions(departments, launches, labels)

    def submit_task_form(self, caller: Caller, form: TaskForm) -> Outcome:
        """Create a task from a form; on bad input ``Outcome.error_field`` names the field."""
        title = g.clean_text(form.title or "")

        def run(ctx: Ctx) -> Reply:
            if not title:
                raise g.UsageError("err.missing_title", "add", field="title")
            if len(title) > g.MAX_TITLE:
                raise g.UsageError("err.title_too_long", "add", {"limit": g.MAX_TITLE}, field="title")
            if form.due is not None and form.due < ctx.today:
                raise g.UsageError("err.due_in_past", "add", {"date": form.due.isoformat()}, field="due")
            assignee = g.PersonRef(form.assignee_id, form.assignee_name) if form.assignee_id else None
            command = g.AddTask(form.department, title, assignee, form.due, form.launch, form.high_priority)
            return task_commands.add(ctx, command)

        return self._run(caller, run, what="task form")

    def remember_people(self, caller: Caller, people: Iterable[Profile]) -> None:
        """Keep names and time zones of people mentioned in the caller's workspace, so nudges reach
        an assignee at their own local time even before they have used coordbot themselves."""
        people = list(people)
        if not people:
            return
        try:
            with self.db.transaction() as session:
                ctx = self._context(session, caller)
                for profile in people:
                    repo.get_or_create_person(
                        session,
                        ctx.workspace,
                        profile.user_id,
                        now=ctx.now,
                        name=profile.name,
                        timezone=profile.timezone,
                        language=normalise_language(profile.language) if profile.language else None,
                    )
        except Exception:
            log.exception("could not remember %d people", len(people))

    def language_for(self, caller: Caller) -> str:
        """The language replies to ``caller`` use ("en" or "zh")."""
        with self.db.transaction() as session:
            return self._context(session, caller).tr.lang

    def home(self, caller: Caller) -> Reply:
        """The caller's overview: open tasks, their departments' overdue/blocked, upcoming launches."""
        from handlers import home_view

        outcome = self._run(caller, home_view.home, what="home")
        return outcome.reply

    # -- plumbing -------------------------------------------------------------------------------

    def _context(self, session, caller: Caller) -> Ctx:  # type: ignore[no-untyped-def]
        now = self.clock.now()
        workspace: Workspace = repo.get_or_create_workspace(
            session,
            caller.platform,
            caller.workspace_id,
            now=now,
            timezone=self.default_timezone,
            language=DEFAULT_LANGUAGE_BY_PLATFORM.get(caller.platform, self.default_language),
            name=caller.workspace_name,
        )
        me: Person = repo.get_or_create_person(
            session,
            workspace,
            caller.user_id,
            now=now,
            name=caller.user_name,
            timezone=caller.timezone,
            language=normalise_language(caller.language) if caller.language else None,
            make_admin=caller.user_id in self.admin_ids,
        )
        lang = me.language or workspace.language
        return Ctx(session, workspace, me, caller, Translator(lang), now, self.admin_ids)

    def _run(
        self, caller: Caller, body: Callable[[Ctx], Reply], *, what: str, once: OnceGuard | None = None
    ) -> Outcome:
        lang = DEFAULT_LANGUAGE_BY_PLATFORM.get(caller.platform, self.default_language)
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with self.db.transaction() as session:
                    if once is not None and not once(session):
                        raise _AlreadyDone
                    ctx = self._context(session, caller)
                    lang = ctx.tr.lang
                    reply = body(ctx)
                    outbox = command_outbox.record(session, ctx.workspace.id, ctx.outbox, ctx.now)
                    lang = ctx.tr.lang  # a settings command may have changed it
                return Outcome(reply, outbox, language=lang)
            except _AlreadyDone:
                log.info("%s from %s/%s ran before; not again", what, caller.platform, caller.user_id)
                return Outcome(Reply(""), language=lang, already_done=True)
            except g.UsageError as error:  # CommandError too: the transaction was rolled back
                log.info("rejected %s from %s/%s: %s", what, caller.platform, caller.user_id, error.key)
                outcome = Outcome(self._error_reply(lang, error), error_field=error.field, language=lang)
                break
            except (OperationalError, DBAPIError) as exc:
                if _conflict(exc) and attempt < CONFLICT_RETRIES:
                    log.info("%s hit a database conflict (%s); again", what, type(exc.orig).__name__)
                    continue
                log.exception("database error running %s", what)
                tr = Translator(lang)
                return Outcome(
                    Reply(tr("err.database_unavailable"), tone=Tone.ERROR), language=lang, retry_later=True
                )
            except Exception:
                log.exception("unexpected error running %s", what)
                tr = Translator(lang)
                outcome = Outcome(Reply(tr("err.internal"), tone=Tone.ERROR), language=lang)
                break
        if once is not None:  # the refusal is the answer: do not run it again
            outcome.already_done = not self._mark_done(once, what)
        return outcome

    def _mark_done(self, once: OnceGuard, what: str) -> bool:
        """Run ``once`` in a transaction of its own; False only when the work was done before."""
        try:
            with self.db.transaction() as session:
                return once(session)
        except (OperationalError, DBAPIError):
            log.warning("could not mark %s done; it may be answered again", what)
            return True

    @staticmethod
    def _error_reply(lang: str, error: g.UsageError) -> Reply:
        tr = Translator(lang)
        message = tr(error.key, **error.params)
        usage = help_text.usage_line(tr, error.usage) if error.usage else None
        if isinstance(error, CommandError) or not usage:
            return Reply(message, tone=Tone.ERROR, usage=usage)
        return Reply(
            message,
            (Section(text=help_text.examples(tr, error.usage, error.params)),),
            tone=Tone.ERROR,
            usage=usage,
        )
