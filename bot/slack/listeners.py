"""The bolt listeners: slash command, @mentions, DMs, buttons, the modal and App Home.

Every listener acknowledges first, then translates the payload to a
:class:`~handlers.context.Caller`, calls the core, renders the reply as Block Kit and sends the
outcome's outbox through the messengers.

Slash commands and button presses (key ``trigger:<trigger_id>``), @mentions and DMs (key
``event:<event_id>``, saved by the :meth:`SlackHandlers.dedupe` middleware, before bolt
acknowledges the event) are written to the inbox (:mod:`storage.inbox`, one group-committed
insert) before they are acknowledged; the command's own transaction settles the entry, so it
runs once. If the process dies after the acknowledgement, the entry's lease runs out and
:meth:`SlackHandlers.recover` runs it (answering a command through its ``response_url``, valid
30 minutes; a mention or DM where it was asked).
If the database goes away after the entry was saved, the person is told it will run when the
database is back, and it does. When the inbox cannot be written the request still runs, guarded
by the same key, and a database outage is then answered with "try again".

Slack redelivers an event when it did not see the acknowledgement in time (``X-Slack-Retry-Num``,
same ``event_id``; in Socket Mode the same envelope again): the inbox already holds its key, so
it is acknowledged and dropped. Shortcuts claim their ``trigger_id`` before they change
anything. So a redelivery changes nothing twice, also across replicas.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot.app import Services
from bot.delivery import defer, deliver_outbox
from bot.slack import blocks, modal
from bot.slack.users import UserDirectory
from handlers.context import Caller
from handlers.core import ACTIONS, OnceGuard
from handlers.i18n import t
from handlers.replies import Outbound, Outcome, Reply, Section, Target, Tone
from storage import inbox
from storage.events import claim_event

log = logging.getLogger(__name__)

ACTION_PATTERN = re.compile(r"^(" + "|".join(re.escape(a) for a in ACTIONS) + r")(:.*)?$")
DEDUPED_EVENTS = {"app_mention", "message"}
DEDUPED_INTERACTIONS = {"block_actions", "shortcut", "message_action"}
PLATFORM = "slack"
ACCEPT_WAIT = 1.0  # seconds an acknowledgement waits for the inbox before running unsaved (3 s allowed)


def claim(session: Session, event_id: str, now: datetime) -> bool:
    """Claim a Slack event id: True the first time, False for a redelivery."""
    return claim_event(session, "slack", event_id, now)


def _team_id(body: dict[str, Any], context: BoltContext) -> str:
    team = body.get("team")
    return (
        context.team_id
        or body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else None)
        or (body.get("user") or {}).get("team_id")
        or context.enterprise_id
        or ""
    )


class SlackHandlers:
    def __init__(
        self,
        services: Services,
        users: UserDirectory,
        slash_command: str,
        work_executor: Executor | None = None,
        accepts: inbox.AcceptQueue | None = None,
    ) -> None:
        self.services = services
        self.coordinator = services.coordinator
        self.users = users
        self.slash_command = slash_command
        # Where commands, button presses and shortcuts do their work after the ack. Bolt runs the
        # acknowledgements on its own executor; work queued there would hold every later ack back.
        self.work_executor = work_executor
        self.accepts = accepts  # None: nothing is saved before the acknowledgement (tests)

    # -- wiring ------------------------------------------------------------------------------

    def register(self, app: App) -> None:
        app.use(self.dedupe)
        app.command(self.slash_command)(self.inboxed(self.on_command))
        app.action(ACTION_PATTERN)(self.inboxed(self.on_button))
        app.shortcut(modal.SHORTCUT_ID)(ack=self._ack, lazy=[self.guarded(self.on_shortcut)])
        app.view_submission(modal.CALLBACK_ID)(self.on_form_submit)
        app.view_closed(modal.CALLBACK_ID)(self._ack)
        app.event("app_mention")(self.saved_event(self.on_mention))
        app.event("message")(self.saved_event(self.on_message))
        app.event("app_home_opened")(self.on_home_opened)
        app.error(self.on_error)

    @staticmethod
    def _ack(ack: Ack) -> None:
        ack()

    def dedupe(
        self,
        body: dict[str, Any],
        context: BoltContext,
        next: Callable[[], BoltResponse],
        logger: logging.Logger,
    ):
        """Global middleware: save an @mention or DM in the inbox before bolt acknowledges it
        (key ``event:<event_id>``); a redelivery is acknowledged and dropped.

        The listener finds ``(key, saved)`` in ``context["inbox"]``. When the inbox cannot be
        written the event is handled anyway, so the core can tell the person to try again (a 500
        would leave them unanswered until Slack redelivers, minutes later).
        """
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        if body.get("type") != "event_callback" or event.get("type") not in DEDUPED_EVENTS:
            return next()
        event_id = body.get("event_id")
        if not event_id:
            return next()
        key = f"event:{event_id}"
        saved = self.accept(key, body)
        if saved is None:
            logger.info("ignoring redelivered Slack event %s", event_id)
            return BoltResponse(status=200, body="")
        context["inbox"] = (key, saved)
        return next()

    def claim_once(self, key: str) -> bool:
        with self.services.db.transaction() as session:
            return claim(session, key, self.services.clock.now())

    @staticmethod
    def trigger_key(body: dict[str, Any]) -> str | None:
        """The dedupe key of a command or interaction: its ``trigger_id``."""
        if body.get("type") in DEDUPED_INTERACTIONS or body.get("command"):
            trigger = body.get("trigger_id")
            return f"trigger:{trigger}" if trigger else None
        return None

    def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed: %s", error, exc_info=error)

    # -- helpers -----------------------------------------------------------------------------

    def caller(
        self,
        client: WebClient,
        body: dict[str, Any],
        context: BoltContext,
        *,
        user_id: str,
        channel_id: str | None = None,
        channel_name: str | None = None,
        fallback_name: str | None = None,
    ) -> Caller:
        team = body.get("team") if isinstance(body.get("team"), dict) else {}
        return self.users.caller(
            client,
            team_id=_team_id(body, context),
            user_id=user_id,
            fallback_name=fallback_name,
            channel_id=channel_id,
            channel_name=channel_name,
            workspace_name=body.get("team_domain") or (team or {}).get("domain"),
        )

    def language(self, caller: Caller) -> str:
        try:
            return self.coordinator.language_for(caller)
        except Exception:
            log.exception("could not find the language of %s", caller.user_id)
            return self.services.settings.language

    def reply_language(self, outcome: Outcome, caller: Caller) -> str:
        """The language of a command's reply: the core's answer says it (no second transaction)."""
        return outcome.language or self.language(caller)

    def deliver(self, outcome: Outcome) -> None:
        if outcome.outbox:
            deliver_outbox(
                outcome.outbox, self.services.messengers, db=self.services.db, now=self.services.clock.now
            )

    def respond_reply(
        self, respond: Respond, reply: Reply, lang: str, *, caller: Caller, body: dict[str, Any]
    ) -> None:
        """Answer through the ``response_url``. When Slack refuses it (an expired URL, an outage) or
        cannot be reached, the answer goes to the person's DM through the scheduler instead: the
        command has applied, so they must still hear about it."""
        try:
            response = respond(
                response_type="ephemeral" if reply.ephemeral else "in_channel",
                replace_original=False,
                **blocks.render_message(reply, lang),
            )
            failed = int(getattr(response, "status_code", 200) or 200) >= 400
        except Exception as exc:
            log.warning("Slack response_url failed: %s", type(exc).__name__)
            failed = True
        trigger = body.get("trigger_id")
        if failed and trigger:
            target = Target.user(caller.user_id, caller.user_name)
            later = Outbound(PLATFORM, caller.workspace_id, target, reply, key=f"reply:{trigger}")
            defer(later, self.services.db, self.services.clock.now())

    @staticmethod
    def post_reply(
        client: WebClient, reply: Reply, lang: str, *, channel: str, user: str, thread_ts: str | None = None
    ) -> None:
        """Answer without a response_url (mentions, DMs): ephemeral to the asker, or in the channel."""
        content = blocks.render_message(reply, lang)
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        if reply.ephemeral and not channel.startswith("D"):
            client.chat_postEphemeral(channel=channel, user=user, **content, **extra)
        else:
            client.chat_postMessage(channel=channel, unfurl_links=False, **content, **extra)

    def guarded(self, work: Callable[..., None]) -> Callable[..., None]:
        """A lazy listener: claim the trigger (a redelivery stops here), run ``work`` on the work
        executor; on an unexpected failure log it and tell the user (lazy listeners' exceptions
        never reach bolt's error handler)."""

        def guarded_work(
            body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
        ) -> None:
            try:
                key = self.trigger_key(body)
                if key and not self.claim_once(key):
                    log.info("ignoring redelivered Slack request %s", key)
                    return
                work(body=body, respond=respond, client=client, context=context)
            except Exception as exc:
                log.exception("Slack %s failed", body.get("type") or body.get("command"))
                unavailable = isinstance(exc, OperationalError | DBAPIError)
                try:
                    lang = self.services.settings.language
                    text = t(lang, "err.database_unavailable" if unavailable else "slack.error")
                    respond(response_type="ephemeral", replace_original=False, text=text)
                except Exception:
                    log.warning("could not tell the user about the failure")

        def run(body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
            if self.work_executor is None:
                guarded_work(body, respond, client, context)
            else:
                self.work_executor.submit(guarded_work, body, respond, client, context)

        run.__name__ = getattr(work, "__name__", "lazy")
        return run

    # -- saved before the acknowledgement (commands, buttons) ------------------------------------

    def inboxed(self, work: Callable[..., bool]) -> Callable[..., None]:
        """A listener that saves the request, acknowledges it, then runs ``work`` on the work pool."""

        def listener(
            ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
        ) -> None:
            key = self.trigger_key(body)
            saved = self.accept(key, body) if key else False
            ack()
            if saved is None:
                log.info("ignoring redelivered Slack request %s", key)
                return
            run = self._command_run(work, body, respond, client, context, key=key, saved=saved)
            if self.work_executor is None:
                run()
            else:
                self.work_executor.submit(run)

        listener.__name__ = f"inboxed_{getattr(work, '__name__', 'work')}"
        return listener

    def saved_event(self, work: Callable[..., bool]) -> Callable[..., None]:
        """An event listener (bolt has acknowledged it; :meth:`dedupe` saved it first)."""

        def listener(
            event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
        ) -> None:
            key, saved = context.get("inbox") or (None, False)
            self._event_run(work, event, body, client, context, key=key, saved=saved)()

        listener.__name__ = f"saved_{getattr(work, '__name__', 'event')}"
        return listener

    def _command_run(
        self,
        work: Callable[..., bool],
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        *,
        key: str | None,
        saved: bool,
    ) -> Callable[[], None]:
        def tell(text: str) -> None:
            respond(response_type="ephemeral", replace_original=False, text=text)

        args = {"body": body, "respond": respond, "client": client, "context": context}
        what = str(body.get("type") or body.get("command"))
        return lambda: self.run_once(work, args, tell, what=what, key=key, saved=saved)

    def _event_run(
        self,
        work: Callable[..., bool],
        event: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        *,
        key: str | None,
        saved: bool,
    ) -> Callable[[], None]:
        def tell(text: str) -> None:
            if event.get("channel") and event.get("user"):
                self.post_reply(
                    client,
                    Reply(text, ephemeral=True),
                    self.services.settings.language,
                    channel=event["channel"],
                    user=event["user"],
                    thread_ts=event.get("thread_ts"),
                )

        args = {"event": event, "body": body, "client": client, "context": context}
        what = str(event.get("type"))
        return lambda: self.run_once(work, args, tell, what=what, key=key, saved=saved)

    def accept(self, key: str, body: dict[str, Any]) -> bool | None:
        """Save a request in the inbox: True when saved, None when it was saved before (a
        redelivery), False when it could not be (no inbox, the database away or slow)."""
        if self.accepts is None:
            return False
        try:
            saved = {k: v for k, v in body.items() if k != "token"}  # Slack's verification token
            return self.accepts.accept(PLATFORM, key, json.dumps(saved), timeout=ACCEPT_WAIT) or None
        except (OperationalError, DBAPIError) as exc:
            log.warning("Slack request %s not saved (%s); running it unsaved", key, type(exc).__name__)
        except TimeoutError:
            log.warning("Slack request %s: the inbox is slow; running it unsaved", key)
        return False

    def run_once(
        self,
        work: Callable[..., bool],
        args: dict[str, Any],
        tell: Callable[[str], None],
        *,
        what: str,
        key: str | None,
        saved: bool,
    ) -> None:
        """Run ``work(**args)`` guarded by ``key`` (it settles the inbox entry in the core's
        transaction); ``tell`` answers the person when it fails.

        ``work`` returns False to leave a saved entry pending (the database went away); anything
        else that did not settle the entry — a form opened, an unexpected error — settles it here,
        so it is not run again.
        """
        once = self._settle_guard(key) if key else None
        try:
            finished = work(**args, once=once, saved=saved, tell=tell)
        except Exception as exc:
            log.exception("Slack %s failed", what)
            unavailable = isinstance(exc, OperationalError | DBAPIError)
            finished = not (unavailable and saved)
            lang = self.services.settings.language
            if not finished:
                text = t(lang, "slack.saved_for_later")
            else:
                text = t(lang, "err.database_unavailable" if unavailable else "slack.error")
            try:
                tell(text)
            except Exception:
                log.warning("could not tell the user about the failure")
        if finished is not False and key:
            self._settle(key)

    def _settle_guard(self, key: str) -> OnceGuard:
        return lambda session: inbox.settle(session, PLATFORM, key, self.services.clock.now())

    def _settle(self, key: str) -> None:
        try:
            with self.services.db.transaction() as session:
                self._settle_guard(key)(session)
        except (OperationalError, DBAPIError) as exc:
            log.warning("Slack request %s not marked done (%s)", key, type(exc).__name__)

    def postponed(self, saved: bool, outcome: Outcome, tell: Callable[[str], None]) -> bool:
        """The database went away after the request was saved: say it will run later (it stays
        in the inbox). True when that is the answer."""
        if not (saved and outcome.retry_later):
            return False
        tell(t(outcome.language or self.services.settings.language, "slack.saved_for_later"))
        return True

    def recover(self, client_for: Callable[[str], WebClient], *, limit: int = 50) -> int:
        """Run saved commands and button presses whose lease ran out (a crash, an outage).

        ``client_for(team_id)`` gives a Web API client with that workspace's bot token. Returns
        how many entries it took.
        """
        return inbox.recover(
            self.services.db,
            PLATFORM,
            self.services.clock.now(),
            lambda entry: self._recovered_run(json.loads(entry.payload), entry.key, client_for)(),
            limit=limit,
        )

    def _recovered_run(
        self, body: dict[str, Any], key: str, client_for: Callable[[str], WebClient]
    ) -> Callable[[], None]:
        """How a saved request runs again: as a command, a button press or an event."""
        team_id = _team_id(body, BoltContext())
        client = client_for(team_id)
        if key.startswith("event:"):
            event = body.get("event") or {}
            bot = ((body.get("authorizations") or [{}])[0] or {}).get("user_id")
            context = BoltContext({"team_id": team_id, "bot_user_id": bot})
            work = self.on_mention if event.get("type") == "app_mention" else self.on_message
            return self._event_run(work, event, body, client, context, key=key, saved=True)
        respond = Respond(response_url=body.get("response_url"))
        work = self.on_command if body.get("command") else self.on_button
        context = BoltContext({"team_id": team_id})
        return self._command_run(work, body, respond, client, context, key=key, saved=True)

    # -- slash command -----------------------------------------------------------------------

    def on_command(
        self,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        once: OnceGuard | None = None,
        saved: bool = False,
        tell: Callable[[str], None] | None = None,
    ) -> bool:
        caller = self.caller(
            client,
            body,
            context,
            user_id=body["user_id"],
            channel_id=body.get("channel_id"),
            channel_name=body.get("channel_name"),
            fallback_name=body.get("user_name"),
        )
        text = body.get("text") or ""
        if modal.is_bare_add(text) and body.get("trigger_id"):
            metadata = {
                "channel": body.get("channel_id") or "",
                "response_url": body.get("response_url") or "",
            }
            self.open_form(client, caller, body["trigger_id"], metadata)
            return True
        outcome = self.run_text(client, caller, text, once=once)
        if outcome.already_done:
            return True
        if tell is not None and self.postponed(saved, outcome, tell):
            return False
        lang = self.reply_language(outcome, caller)
        self.respond_reply(respond, outcome.reply, lang, caller=caller, body=body)
        self.deliver(outcome)
        return True

    def run_text(
        self, client: WebClient, caller: Caller, text: str, *, once: OnceGuard | None = None
    ) -> Outcome:
        """Run a command with mentions named as people see them; remember who was mentioned."""
        outcome = self.coordinator.handle_text(
            caller, self.users.name_mentions(client, caller.workspace_id, text), once=once
        )
        self.coordinator.remember_people(
            caller, self.users.mentioned_profiles(client, caller.workspace_id, text)
        )
        return outcome

    # -- mentions and DMs --------------------------------------------------------------------

    def _run_text(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        once: OnceGuard | None,
        saved: bool,
        tell: Callable[[str], None] | None,
    ) -> bool:
        text = event.get("text") or ""
        bot = context.bot_user_id
        if bot:
            text = re.sub(rf"^\s*<@{re.escape(bot)}(?:\|[^>]*)?>[\s:,]*", "", text)
        caller = self.caller(client, body, context, user_id=event["user"], channel_id=event.get("channel"))
        outcome = self.run_text(client, caller, text, once=once)
        if outcome.already_done:
            return True
        if tell is not None and self.postponed(saved, outcome, tell):
            return False
        lang = self.reply_language(outcome, caller)
        self.post_reply(
            client,
            outcome.reply,
            lang,
            channel=event["channel"],
            user=event["user"],
            thread_ts=event.get("thread_ts"),
        )
        self.deliver(outcome)
        return True

    def on_mention(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        once: OnceGuard | None = None,
        saved: bool = False,
        tell: Callable[[str], None] | None = None,
    ) -> bool:
        if not event.get("user"):
            return True
        return self._run_text(event, body, client, context, once, saved, tell)

    def on_message(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        once: OnceGuard | None = None,
        saved: bool = False,
        tell: Callable[[str], None] | None = None,
    ) -> bool:
        if (
            event.get("channel_type") != "im"
            or event.get("subtype")
            or event.get("bot_id")
            or not event.get("user")
        ):
            return True
        if event.get("user") == context.bot_user_id:
            return True
        return self._run_text(event, body, client, context, once, saved, tell)

    # -- buttons -----------------------------------------------------------------------------

    def on_button(
        self,
        body: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
        once: OnceGuard | None = None,
        saved: bool = False,
        tell: Callable[[str], None] | None = None,
    ) -> bool:
        action = (body.get("actions") or [{}])[0]
        core_action = blocks.core_action(action.get("action_id") or "")
        value = action.get("value") or ""
        channel = body.get("channel") or {}
        caller = self.caller(
            client,
            body,
            context,
            user_id=body["user"]["id"],
            channel_id=channel.get("id"),
            channel_name=channel.get("name"),
            fallback_name=body["user"].get("username") or body["user"].get("name"),
        )
        outcome = self.coordinator.handle_action(caller, core_action, value, once=once)
        if outcome.already_done:
            return True
        if tell is not None and self.postponed(saved, outcome, tell):
            return False
        lang = self.reply_language(outcome, caller)
        container = body.get("container") or {}
        if container.get("type") == "view":
            self.publish_home(client, caller, lang, notice=outcome.reply)
        elif outcome.changed_task is None:
            self.respond_reply(respond, outcome.reply, lang, caller=caller, body=body)
        else:
            self.update_in_place(respond, body, outcome, lang)
        self.deliver(outcome)
        return True

    def update_in_place(self, respond: Respond, body: dict[str, Any], outcome: Outcome, lang: str) -> None:
        """Re-render the changed task inside the message the button was on, then confirm ephemerally."""
        task = outcome.changed_task
        reply = outcome.reply
        section = next((s for s in reply.sections if blocks.section_task(s) == task), None)
        original = (body.get("message") or {}).get("blocks")
        spliced = None
        if section is not None and original and task is not None:
            spliced = blocks.replace_task_blocks(original, task, blocks.render_card(section, lang))
        if spliced is None:
            # an ephemeral message (Slack does not send it back) or one without this task: show the reply
            respond(replace_original=True, **blocks.render_message(reply, lang))
            return
        respond(replace_original=True, blocks=spliced, text=(body.get("message") or {}).get("text") or "")
        confirmation = Reply(reply.headline, tone=reply.tone)
        respond(
            response_type="ephemeral", replace_original=False, **blocks.render_message(confirmation, lang)
        )

    # -- the modal ---------------------------------------------------------------------------

    def open_form(self, client: WebClient, caller: Caller, trigger_id: str, metadata: dict[str, str]) -> None:
        options = self.coordinator.form_options(caller)
        lang = self.language(caller)
        client.views_open(trigger_id=trigger_id, view=modal.build_modal(options, lang, metadata=metadata))

    def on_shortcut(self, body: dict[str, Any], client: WebClient, context: BoltContext, **_: Any) -> None:
        caller = self.caller(client, body, context, user_id=body["user"]["id"])
        self.open_form(client, caller, body["trigger_id"], {})

    def on_form_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """Validation needs the core's answer before the ack (``response_action: errors``)."""
        caller = self.caller(client, body, context, user_id=body["user"]["id"])
        form = modal.read_submission(view)
        if form.assignee_id:
            assignee = self.users.lookup(client, caller.workspace_id, form.assignee_id)
            form = dataclasses.replace(form, assignee_name=assignee.name if assignee else None)
        outcome = self.coordinator.submit_task_form(caller, form)
        if outcome.reply.tone == Tone.ERROR:
            block_id = modal.error_block(view, outcome.error_field)
            ack(response_action="errors", errors={block_id: blocks.shorten(outcome.reply.headline, 150)})
            return
        ack()
        lang = self.reply_language(outcome, caller)
        metadata = modal.metadata_of(view)
        content = blocks.render_message(outcome.reply, lang)
        response_url = metadata.get("response_url")
        if response_url:
            WebhookClient(response_url).send(
                response_type="ephemeral" if outcome.reply.ephemeral else "in_channel",
                replace_original=False,
                **content,
            )
        elif metadata.get("channel") and not outcome.reply.ephemeral:
            client.chat_postMessage(channel=metadata["channel"], unfurl_links=False, **content)
        else:  # from the global shortcut: tell the creator in their DM with the bot
            client.chat_postMessage(channel=caller.user_id, unfurl_links=False, **content)
        self.deliver(outcome)

    # -- App Home ----------------------------------------------------------------------------

    def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ):
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        caller = self.caller(client, body, context, user_id=event["user"])
        self.publish_home(client, caller, self.language(caller))

    def publish_home(
        self, client: WebClient, caller: Caller, lang: str, *, notice: Reply | None = None
    ) -> None:
        home = self.coordinator.home(caller)
        if notice is not None:
            emoji = blocks.TONE_EMOJI.get(notice.tone, "")
            home = Reply(
                home.headline, (Section(context=f"{emoji} {notice.headline}"), *home.sections), home.tone
            )
        client.views_publish(user_id=caller.user_id, view=blocks.render_home(home, lang))
