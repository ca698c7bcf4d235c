"""The entry point adapters call: text commands, button actions, forms and home views.

Every call runs in one database transaction: it either applies whole or not at all, and no
exception escapes — a user gets a specific message, the operator a log line. The core decides
each reply's language (the caller's, else the workspace's) once, here; and, given an
:class:`~handlers.outbox.AnswerRoute`, records the answer in the notification ledger inside the
same transaction, so an applied command is always answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import (
    admin_commands,
    calendar_commands,
    capture,
    capture_commands,
    export_commands,
    feed_commands,
    feedback_commands,
    feedback_forms,
    help_text,
    launch_routes,
    next_version_forms,
    overview_commands,
    report_commands,
    task_commands,
    version_plan,
)
from handlers import capture_grammar as cg
from handlers import grammar as g
from handlers import outbox as command_outbox
from handlers.clock import Clock
from handlers.context import Caller, SourceMessage
from handlers.execution import CommandError, Ctx
from handlers.feedback_views import ACTIONS as FEEDBACK_ACTIONS
from handlers.i18n import Translator, normalise_language
from handlers.outbox import AnswerRoute
from handlers.replies import Choice, FormSubmission, Outbound, Outcome, Reply, Section, Tone
from handlers.views import (  # noqa: F401  (re-exported: adapters import the action ids from here)
    ACTION_DONE,
    ACTION_REOPEN,
    ACTION_SNOOZE,
    ACTION_START,
    ACTION_UNBLOCK,
)
from handlers.views import ACTIONS as TASK_ACTIONS
from handlers.web_access import WebAccess
from storage import repo
from storage.db import Database, DatabaseUnavailable
from storage.models import Person, Workspace

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE_BY_PLATFORM = {"feishu": "zh"}


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
    status_hint: str | None = None  # as :attr:`Caller.status_hint`


HANDLERS: dict[type, Callable[[Ctx, Any], Reply]] = {
    g.AddTask: task_commands.add,
    g.ListTasks: task_commands.list_tasks,
    g.ShowTask: task_commands.show,
    g.ChangeStatus: task_commands.change_status,
    g.ChangeStatuses: task_commands.change_statuses,
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
    cg.DescribeTask: capture_commands.describe,
    cg.QuietTask: capture_commands.quiet,
    **launch_routes.HANDLERS,
    **calendar_commands.HANDLERS,
    **overview_commands.HANDLERS,
    **version_plan.HANDLERS,
    **report_commands.HANDLERS,
    **export_commands.HANDLERS,
    **feed_commands.HANDLERS,
    **feedback_commands.HANDLERS,
}
ACTIONS = (
    *TASK_ACTIONS,
    *launch_routes.ACTIONS,
    *FEEDBACK_ACTIONS,
    *next_version_forms.ACTIONS,
)  # every button id adapters route to handle_action
FORMS: dict[str, Callable[[Ctx, FormSubmission], Reply]] = {
    **launch_routes.FORMS,
    capture.ACTION_CAPTURE: capture.submit_task_form,
    **feedback_forms.FORMS,
    **next_version_forms.FORMS,
}
FORM_ACTIONS = frozenset(FORMS)  # forms the core runs the submissions of (and buttons opening one)


OnceGuard = Callable[[Session], bool]
CONFLICT_RETRIES = 2  # extra runs of a command PostgreSQL rolled back for a deadlock or conflict


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
        web: WebAccess | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone
        self.default_language = default_language
        self.admin_ids = frozenset(admin_ids)
        self.web = web or WebAccess()

    # -- entry points -------------------------------------------------------------------------

    def handle_text(
        self,
        caller: Caller,
        text: str,
        *,
        once: OnceGuard | None = None,
        answer: AnswerRoute | None = None,
    ) -> Outcome:
        """Run one command line (with or without the leading ``/coord``).

        ``once``, when given, runs first inside the command's transaction and marks the work done
        (an adapter's inbox entry); if it says the work was done before, nothing runs and the
        outcome is ``already_done``. A command that is refused is marked done on its own.
        ``answer``, when given, is where the reply goes: it is recorded in the ledger with the
        command (``Outcome.answer``), and the adapter sends it after the commit.
        """

        def run(ctx: Ctx) -> Reply:
            command = g.parse(text, ctx.today, lambda: ctx.calendar)
            if isinstance(command, g.Help):
                return help_text.help_reply(ctx.tr, command.topic)
            return HANDLERS[type(command)](ctx, command)

        return self._run(caller, run, what=f"command {text[:60]!r}", once=once, answer=answer)

    def handle_action(
        self,
        caller: Caller,
        action_id: str,
        value: str,
        *,
        once: OnceGuard | None = None,
        answer: AnswerRoute | None = None,
    ) -> Outcome:
        """Run a button press (one of :data:`ACTIONS`, any value) as ``caller``; permissions apply.

        ``once`` and ``answer`` as for :meth:`handle_text`.
        """
        run = task_commands.run_action
        if action_id in launch_routes.ACTIONS:
            run = launch_routes.run_action
        elif action_id in FEEDBACK_ACTIONS:
            run = feedback_forms.run_action
        elif action_id in next_version_forms.ACTIONS:
            run = next_version_forms.run_action
        outcome = self._run(
            caller,
            lambda ctx: run(ctx, action_id, value),
            what=f"action {action_id}",
            once=once,
            answer=answer,
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

    def submit_task_form(
        self,
        caller: Caller,
        form: TaskForm,
        *,
        once: OnceGuard | None = None,
        answer: AnswerRoute | None = None,
    ) -> Outcome:
        """Create a task from a form; on bad input ``Outcome.error_field`` names the field.

        ``once`` and ``answer`` as for :meth:`handle_text` (a refusal is shown on the form, so
        it is not recorded as an answer).
        """
        title = g.clean_text(form.title or "")

        def run(ctx: Ctx) -> Reply:
            if not title:
                raise g.UsageError("err.missing_title", "add", field="title")
            if len(title) > g.MAX_TITLE:
                raise g.UsageError("err.title_too_long", "add", {"limit": g.MAX_TITLE}, field="title")
            assignee = g.PersonRef(form.assignee_id, form.assignee_name) if form.assignee_id else None
            command = g.AddTask(form.department, title, assignee, form.due, form.launch, form.high_priority)
            return task_commands.add(ctx, command)

        return self._run(caller, run, what="task form", once=once, answer=answer, answer_refusals=False)

    def form_for_message(
        self,
        caller: Caller,
        source: SourceMessage,
        text: str,
        author_id: str | None,
        *,
        feedback: bool = False,
    ) -> Reply:
        """The "new task" form (or with ``feedback``, the "log launch feedback" form) pre-filled
        from a message (its text by ``author_id``), as a Reply whose ``form`` the adapter shows
        (an error Reply when there is nothing to file it under)."""

        def run(ctx: Ctx) -> Reply:
            if feedback:
                return feedback_forms.capture_form(ctx, source, text)
            return capture.task_form(ctx, source, text, author_id)

        return self._run(caller, run, what="message form").reply

    def submit_form(
        self,
        caller: Caller,
        submission: FormSubmission,
        *,
        once: OnceGuard | None = None,
        answer: AnswerRoute | None = None,
    ) -> Outcome:
        """Run a submitted :class:`~handlers.replies.Form` as ``caller``, with its action's permissions.

        On bad input ``Outcome.error_field`` names the input at fault; the refusal is shown on the
        form, so it is not recorded as an answer. ``once`` and ``answer`` as for :meth:`handle_text`.
        """

        def run(ctx: Ctx) -> Reply:
            submit = FORMS.get(submission.action_id)
            if submit is None:
                raise CommandError("err.bad_action", None, {"action": submission.action_id[:40]})
            return submit(ctx, submission)

        what = f"form {submission.action_id[:40]}"
        return self._run(caller, run, what=what, once=once, answer=answer, answer_refusals=False)

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
                        status_hint=profile.status_hint,
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
        known = repo.find_workspace_and_person(session, caller.platform, caller.workspace_id, caller.user_id)
        workspace: Workspace = known[0] or repo.get_or_create_workspace(
            session,
            caller.platform,
            caller.workspace_id,
            now=now,
            timezone=self.default_timezone,
            language=DEFAULT_LANGUAGE_BY_PLATFORM.get(caller.platform, self.default_language),
            name=caller.workspace_name,
        )
        if caller.workspace_name and not workspace.name:  # first met through an event, which names none
            workspace.name = caller.workspace_name  # (Slack's domain: the board links messages with it)
        if workspace.uninstalled_at is not None:  # a request from it again: it was reinstalled
            workspace.uninstalled_at = None
        told = {
            "name": caller.user_name,
            "timezone": caller.timezone,
            "language": normalise_language(caller.language) if caller.language else None,
            "make_admin": caller.user_id in self.admin_ids,
            "status_hint": caller.status_hint,
        }
        me: Person
        if known[1] is not None:
            me = known[1]
            repo.update_person(me, **told)
        else:
            me = repo.get_or_create_person(session, workspace, caller.user_id, now=now, **told)
        lang = me.language or workspace.language
        return Ctx(session, workspace, me, caller, Translator(lang), now, self.admin_ids, web=self.web)

    def _run(
        self,
        caller: Caller,
        body: Callable[[Ctx], Reply],
        *,
        what: str,
        once: OnceGuard | None = None,
        answer: AnswerRoute | None = None,
        answer_refusals: bool = True,
    ) -> Outcome:
        lang = self._fallback_language(caller)
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with self.db.transaction() as session:
                    if once is not None and not once(session):
                        raise _AlreadyDone
                    ctx = self._context(session, caller)
                    lang = ctx.tr.lang
                    reply = body(ctx)
                    lang = ctx.tr.lang  # a settings command may have changed it
                    reply = replace(reply, language=lang)
                    outbox = command_outbox.record(session, ctx.workspace.id, ctx.outbox, ctx.now)
                    answered, answer_id = self._record_answer(
                        session, ctx.workspace.id, caller, reply, answer
                    )
                return Outcome(reply, outbox, answer=answered, answer_id=answer_id)
            except _AlreadyDone:
                log.info("%s from %s/%s ran before; not again", what, caller.platform, caller.user_id)
                return Outcome(Reply("", language=lang), already_done=True)
            except g.UsageError as error:  # CommandError too: the transaction was rolled back
                log.info("rejected %s from %s/%s: %s", what, caller.platform, caller.user_id, error.key)
                outcome = Outcome(self._error_reply(lang, error), error_field=error.field)
                break
            except DatabaseUnavailable as exc:
                if exc.conflict and attempt < CONFLICT_RETRIES:
                    log.info("%s hit a database conflict (%s); again", what, exc)
                    continue
                log.warning("database unavailable running %s: %s", what, exc)
                reply = Reply(Translator(lang)("err.database_unavailable"), tone=Tone.ERROR, language=lang)
                return Outcome(reply, retry_later=True)
            except Exception:
                log.exception("unexpected error running %s", what)
                outcome = Outcome(Reply(Translator(lang)("err.internal"), tone=Tone.ERROR, language=lang))
                break
        if once is not None or answer is not None:  # the refusal is the answer: do not run it again
            self._settle_refusal(caller, outcome, what, once, answer if answer_refusals else None)
        return outcome

    def _record_answer(
        self, session: Session, workspace_id: int, caller: Caller, reply: Reply, answer: AnswerRoute | None
    ) -> tuple[Outbound | None, int | None]:
        """The answer as recorded in the ledger, and its row (None, None: nothing recorded)."""
        if answer is None:
            return None, None
        message = answer.answer(caller.platform, caller.workspace_id, reply)
        answer_id = command_outbox.record_answer(session, workspace_id, message, self.clock.now())
        return (message, answer_id) if answer_id is not None else (None, None)

    def _settle_refusal(
        self,
        caller: Caller,
        outcome: Outcome,
        what: str,
        once: OnceGuard | None,
        answer: AnswerRoute | None,
    ) -> None:
        """Mark refused work done and record its answer, in a transaction of their own.

        ``outcome.already_done`` when the work was done before. When the database cannot be
        reached the refusal is still answered (it may be answered again).
        """
        try:
            with self.db.transaction() as session:
                if once is not None and not once(session):
                    outcome.already_done = True
                    return
                if answer is not None:
                    workspace_id = session.scalar(
                        select(Workspace.id).where(
                            Workspace.platform == caller.platform,
                            Workspace.external_id == caller.workspace_id,
                        )
                    )
                    if workspace_id is not None:
                        outcome.answer, outcome.answer_id = self._record_answer(
                            session, workspace_id, caller, outcome.reply, answer
                        )
        except DatabaseUnavailable:
            log.warning("could not mark %s done; it may be answered again", what)

    def _fallback_language(self, caller: Caller) -> str:
        """The language of a reply when the database cannot say (the platform's default)."""
        return DEFAULT_LANGUAGE_BY_PLATFORM.get(caller.platform, self.default_language)

    @staticmethod
    def _error_reply(lang: str, error: g.UsageError) -> Reply:
        tr = Translator(lang)
        message = tr(error.key, **error.params)
        usage = help_text.usage_line(tr, error.usage) if error.usage else None
        examples: tuple[Section, ...] = ()
        if error.usage and not isinstance(error, CommandError):
            shown = help_text.examples(tr, error.usage, error.params)
            examples = (Section(text=shown),) if shown else ()
        return Reply(message, examples, tone=Tone.ERROR, usage=usage, language=lang)
