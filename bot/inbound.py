"""The one inbound pipeline: how every platform request becomes work done once and answered.

    accept → acknowledge → run once → answer now | defer → deliver the outbox → settle

1. **accept** (:meth:`Pipeline.accept`, while the platform waits): the request's payload is
   written to the durable inbox under the platform's own id (``trigger:…``, ``event:…``,
   ``message:…``), in a group commit (:class:`storage.inbox.AcceptQueue`). A key the inbox holds
   already is a redelivery: acknowledged and dropped. When the inbox cannot be written (the
   database away or slow) the request still runs, *unsaved*, guarded by the same key.
2. **acknowledge**: the adapter answers the platform (Slack's ``ack()``, Feishu's HTTP 200).
3. **run once** (:meth:`Pipeline.execute`, on the work pool): the adapter's *job* maps the payload
   to a :class:`Request` (who, where, what, where the answer goes); the core runs it in one
   transaction that also settles the inbox entry (the ``once`` guard: a second worker finds it
   settled and changes nothing) and records the answer in the notification ledger. A saved
   request that finds the work pool full (:class:`WorkPool`, bounded) stays in the inbox for the
   sweeper instead of in memory.
4. **answer now, or defer**: after the commit the answer is sent (the adapter's ``answer``
   callback, else the platform's messenger) and its outcome recorded; a refused or lost answer is
   the scheduler's to send. When the database went away after the request was saved, the asker
   is told it will run later, and the entry stays pending for the sweeper.
5. **deliver the outbox** (messages to others, :func:`bot.delivery.deliver_outbox`), and
6. **settle** whatever the core did not (a form opened, an unexpected error): never run again.

An adapter supplies a payload mapper (the job), a renderer and a messenger; nothing about
once-only work lives in an adapter. :meth:`Pipeline.recover` runs entries whose lease ran out (a
crash, an outage) through the same steps. :meth:`Pipeline._finished` is the one place where a
request's kind, how soon it was acknowledged and its outcome are all known.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot import metrics
from bot.delivery import deliver_outbox, record_answer_attempt
from bot.messenger import DeliveryError
from handlers.context import Caller
from handlers.core import OnceGuard, Profile, TaskForm
from handlers.i18n import t
from handlers.outbox import AnswerRoute
from handlers.replies import FormSubmission, Outcome, Reply, Tone
from storage import inbox
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)


class Accepted(StrEnum):
    SAVED = "saved"  # in the inbox: a crash or an outage cannot lose it
    REDELIVERED = "redelivered"  # the inbox had it already: drop it
    UNSAVED = "unsaved"  # the inbox could not be written: run it anyway, guarded by its key


@dataclass
class Ticket:
    """One accepted request on its way through the pipeline."""

    key: str | None
    accepted: Accepted
    received: float = field(default_factory=time.monotonic)
    acknowledged: float | None = None

    @property
    def saved(self) -> bool:
        return self.accepted is Accepted.SAVED


@dataclass
class Request:
    """An inbound request mapped from a platform payload: who, where, what, and the reply handle.

    Exactly one of ``text`` (a command line), ``action`` (core action id, value), ``form`` (a
    submitted "new task" form), ``submission`` (any other submitted form) or ``present`` (work
    that is not a command: open a form, publish a view) says what to do. ``route`` is where the
    answer goes (recorded with the command); ``answer`` sends it now when the platform has a
    richer way than its messenger (update the message a button was on), raising
    :class:`~bot.messenger.DeliveryError` when it cannot.
    """

    kind: str  # "command", "action", "message", "form", "view" … (for logs and metrics)
    caller: Caller
    text: str | None = None
    action: tuple[str, str] | None = None
    form: TaskForm | None = None
    submission: FormSubmission | None = None
    present: Callable[[], None] | None = None
    route: AnswerRoute | None = None
    answer: Callable[[Outcome], None] | None = None
    people: Iterable[Profile] = ()  # people the request mentions, remembered after it ran


Job = Callable[[], Request | None]  # maps the payload (may ask the platform); None: nothing to do
Tell = Callable[[Reply], None]  # says something to the asker that is not the command's answer


WORK_CAPACITY = 500  # requests a pool holds (queued or running) before saved ones wait in the inbox
OFFER_WAIT = 0.5  # seconds an acknowledgement may wait for room in a full pool (3 s allowed)


class WorkPool(ThreadPoolExecutor):
    """The pool requests run on after their acknowledgement; knows when it has nothing to do.

    It holds at most ``capacity`` jobs (queued or running): past a platform's capacity to do the
    work, each queued request would hold its payload in memory until its turn. :meth:`offer`
    waits a moment for room and says when there is none; the request is then left where it
    already is, durable in the inbox, for the sweeper.
    """

    def __init__(
        self, workers: int, name: str, *, capacity: int = WORK_CAPACITY, offer_wait: float = OFFER_WAIT
    ) -> None:
        super().__init__(max_workers=workers, thread_name_prefix=name)
        self.capacity = capacity
        self.offer_wait = offer_wait
        self._idle = threading.Condition()
        self._busy = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn`` whatever the pool holds (work nothing else would run)."""
        with self._idle:
            self._busy += 1
        return self._queue_job(fn, args, kwargs)

    def offer(self, fn: Callable[..., Any], /, *args: Any) -> bool:
        """Queue ``fn`` if the pool has room within ``offer_wait`` seconds; False (not queued) if not."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy < self.capacity, self.offer_wait):
                return False
            self._busy += 1
        self._queue_job(fn, args, {})
        return True

    def _queue_job(self, fn: Callable[..., Any], args: Any, kwargs: dict[str, Any]) -> Future[Any]:
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the work submitted so far has finished; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)


class Pipeline:
    """The steps above for one platform; ``work`` is the pool jobs run on after the ack."""

    def __init__(
        self,
        services: Any,  # bot.app.Services
        platform: str,
        *,
        work: Executor | None = None,
        accepts: inbox.AcceptQueue | None = None,
        accept_wait: float = 1.0,
        redelivers: bool = False,
    ) -> None:
        self.services = services
        self.platform = platform
        self.work = work
        self.accepts = accepts
        self.accept_wait = accept_wait  # seconds an accept may take before the request runs unsaved
        # The platform delivers again what was answered with an error (Feishu does; Slack, for
        # commands, does not): a slow accept is then refused, not run unguarded.
        self.redelivers = redelivers

    # -- 1. accept ----------------------------------------------------------------------------

    def accept(self, key: str | None, payload: dict[str, Any]) -> Ticket:
        """Save the request in the inbox under ``key`` (None: nothing to save, e.g. a view opened).

        Raises TimeoutError when the inbox is slow and the write may still land, on a platform that
        redelivers (Feishu): it is then better answered with an error than run unguarded. Elsewhere
        (Slack) the request runs unsaved, guarded by its key, which settles a late accept too.
        """
        if key is None or self.accepts is None:
            return Ticket(key, Accepted.UNSAVED)
        try:
            saved = self.accepts.accept(
                self.platform, key, json.dumps(payload, ensure_ascii=False), timeout=self.accept_wait
            )
        except TimeoutError:
            if self.redelivers:
                raise
            log.warning("%s request %s: the inbox is slow; running it unsaved", self.platform, key)
            return Ticket(key, Accepted.UNSAVED)
        except DatabaseUnavailable as exc:
            log.warning("%s request %s not saved (%s); running it unsaved", self.platform, key, exc)
            return Ticket(key, Accepted.UNSAVED)
        if not saved:
            log.info("ignoring redelivered %s request %s", self.platform, key)
            return Ticket(key, Accepted.REDELIVERED)
        return Ticket(key, Accepted.SAVED)

    # -- 2. (the adapter acknowledges) then 3.–6. on the work pool ------------------------------

    def submit(self, ticket: Ticket, job: Job, tell: Tell) -> None:
        """After the acknowledgement: run the request on the work pool (inline without one)."""
        ticket.acknowledged = time.monotonic()
        if ticket.accepted is Accepted.REDELIVERED:
            return
        if self.work is None:
            self.run(ticket, job, tell)
        elif ticket.saved and isinstance(self.work, WorkPool):
            if not self.work.offer(self._logged, self.run, ticket, job, tell):
                log.warning(
                    "%s work pool full (%d requests): %s waits in the inbox for the sweeper",
                    self.platform,
                    self.work.capacity,
                    ticket.key,
                )
        else:
            self.work.submit(self._logged, self.run, ticket, job, tell)

    def run(self, ticket: Ticket, job: Job, tell: Tell) -> Outcome | None:
        """Steps 3–6 for one request; the outcome, or None when nothing ran."""
        done = self.execute(ticket, job, tell)
        if done is not None:
            self.finish(ticket, *done, tell)
        return done[1] if done is not None else None

    def finish_later(self, ticket: Ticket, request: Request, outcome: Outcome, tell: Tell) -> None:
        """Steps 4–6 on the work pool, for a request :meth:`execute` ran while the platform waited."""
        if self.work is None:
            self.finish(ticket, request, outcome, tell)
        else:
            self.work.submit(self._logged, self.finish, ticket, request, outcome, tell)

    def _logged(self, step: Callable[..., Any], *args: Any) -> None:
        """A step on the pool: its failure is logged (a future nobody reads would keep it quiet)."""
        try:
            step(*args)
        except Exception:
            log.exception("%s request failed on the work pool", self.platform)

    # -- 3. run once ----------------------------------------------------------------------------

    def execute(self, ticket: Ticket, job: Job, tell: Tell) -> tuple[Request, Outcome] | None:
        """Map and run the request once; None when there is nothing more to do for it.

        Platforms that answer in their acknowledgement (a form's errors, a Feishu card) call this
        while they wait and :meth:`finish` after.
        """
        try:
            request = job()
            if request is None:
                self._settle(ticket)
                self._finished(ticket, "-", "ignored")
                return None
            if request.present is not None:
                self._settle(ticket)  # a form opened twice is harmless; opened never is not
                request.present()
                self._finished(ticket, request.kind, "presented")
                return None
            return request, self._run_core(request, self._guard(ticket.key))
        except Exception as exc:
            self._failed(ticket, tell, exc)
            return None

    def _run_core(self, request: Request, once: OnceGuard | None) -> Outcome:
        core = self.services.coordinator
        if request.action is not None:
            action_id, value = request.action
            return core.handle_action(request.caller, action_id, value, once=once, answer=request.route)
        if request.submission is not None:
            return core.submit_form(request.caller, request.submission, once=once, answer=request.route)
        if request.form is not None:
            return core.submit_task_form(request.caller, request.form, once=once, answer=request.route)
        return core.handle_text(request.caller, request.text or "", once=once, answer=request.route)

    # -- 4.–6. answer or defer, outbox, settle ---------------------------------------------------

    def finish(self, ticket: Ticket, request: Request, outcome: Outcome, tell: Tell) -> None:
        if outcome.already_done:
            self._finished(ticket, request.kind, "duplicate")
            return
        if outcome.retry_later and ticket.saved:  # 4'. the entry waits in the inbox for the sweeper
            self._tell(tell, self._saved_for_later(outcome.reply.language))
            self._finished(ticket, request.kind, "deferred")
            return
        people = list(request.people)
        if people:  # before the answer: whoever reads it may act on them at once
            self.services.coordinator.remember_people(request.caller, people)
        self._answer(request, outcome)
        if outcome.outbox:
            services = self.services
            deliver_outbox(outcome.outbox, services.messengers, db=services.db, now=services.clock.now)
        if outcome.retry_later:  # unsaved and not run: nothing waits for it, the asker was told
            self._settle(ticket)
        self._finished(ticket, request.kind, _result(outcome))

    def _answer(self, request: Request, outcome: Outcome) -> None:
        """Send the answer now; record how it went when the ledger holds it."""
        message = outcome.answer
        if message is None and request.route is not None:  # not recorded (the database away)
            message = request.route.answer(self.platform, request.caller.workspace_id, outcome.reply)
        error: DeliveryError | None = None
        try:
            if request.answer is not None:
                request.answer(outcome)
            elif message is not None:
                self.services.messengers.for_platform(self.platform).send(message)
        except DeliveryError as exc:
            log.warning("%s answer %s not delivered: %s", self.platform, message and message.key, exc)
            error = exc
        except Exception as exc:
            log.exception("%s answer failed", self.platform)
            error = DeliveryError(f"unexpected error: {type(exc).__name__}")
        if outcome.answer_id is not None:
            record_answer_attempt(self.services.db, outcome.answer_id, self.services.clock.now(), error)

    def _failed(self, ticket: Ticket, tell: Tell, exc: Exception) -> None:
        """An error outside the core (mapping the payload, a platform call): tell the asker."""
        lang = self.services.settings.language
        if isinstance(exc, DatabaseUnavailable) and ticket.saved:
            log.warning("%s request %s waits for the database: %s", self.platform, ticket.key, exc)
            self._tell(tell, self._saved_for_later(lang))
            self._finished(ticket, "-", "deferred")
            return
        log.exception("%s request %s failed", self.platform, ticket.key)
        key = "err.database_unavailable" if isinstance(exc, DatabaseUnavailable) else "inbound.error"
        self._settle(ticket)  # first: whoever hears of the failure may look, and find it settled
        self._tell(tell, Reply(t(lang, key), tone=Tone.ERROR, language=lang))
        self._finished(ticket, "-", "failed")

    @staticmethod
    def _saved_for_later(lang: str) -> Reply:
        return Reply(t(lang, "inbound.saved_for_later"), tone=Tone.INFO, language=lang)

    def _tell(self, tell: Tell, reply: Reply) -> None:
        try:
            tell(reply)
        except Exception:
            log.warning("could not tell the %s user", self.platform, exc_info=True)

    def _guard(self, key: str | None) -> OnceGuard | None:
        if key is None:
            return None
        return lambda session: inbox.settle(session, self.platform, key, self.services.clock.now())

    def _settle(self, ticket: Ticket) -> None:
        guard = self._guard(ticket.key)
        if guard is None:
            return
        try:
            with self.services.db.transaction() as session:
                guard(session)
        except DatabaseUnavailable as exc:
            log.warning("%s request %s not marked done (%s)", self.platform, ticket.key, exc)

    def _finished(self, ticket: Ticket, kind: str, result: str) -> None:
        """Where a request's kind, acknowledgement time and outcome are known (metrics go here)."""
        acked = ticket.acknowledged
        metrics.request_finished(
            self.platform, kind, result, acked - ticket.received if acked is not None else None
        )
        log.debug(
            "%s %s %s: %s (acknowledged after %s ms)",
            self.platform,
            kind,
            ticket.key,
            result,
            f"{(acked - ticket.received) * 1000:.1f}" if acked is not None else "-",
        )

    # -- recovery -------------------------------------------------------------------------------

    def recover(self, rebuild: Callable[[inbox.Pending], tuple[Job, Tell]], *, limit: int = 50) -> int:
        """Run saved requests whose lease ran out (a crash, an outage); how many were taken.

        ``rebuild(entry)`` is the adapter's job and tell for a saved payload.
        """

        def run(entry: inbox.Pending) -> None:
            job, tell = rebuild(entry)
            self.run(Ticket(entry.key, Accepted.SAVED), job, tell)

        return inbox.recover(self.services.db, self.platform, self.services.clock.now(), run, limit=limit)


def _result(outcome: Outcome) -> str:
    if outcome.retry_later:
        return "database unavailable"
    return "refused" if outcome.reply.tone is Tone.ERROR else "done"
