"""The bolt listeners: Slack payloads mapped into the inbound pipeline (:mod:`bot.inbound`).

Each listener runs while Slack waits (bolt's ``process_before_response``: no polling for the
ack): it saves the request in the inbox under Slack's own id — ``trigger:<trigger_id>`` for
slash commands, button presses and shortcuts, ``event:<event_id>`` for @mentions and DMs —
acknowledges, and hands the pipeline a *job* (the payload as a :class:`~bot.inbound.Request`,
users named through ``users.info``) and a *tell* (how to say something to the asker). Everything
after that — run once, answer, outbox, settle, recovery after a crash — is the pipeline's.

A button whose answer is a form (a "not ready" reason …) opens it as a modal with the press's
``trigger_id``. A modal's submission is the one request that runs before its ack: validation
errors go back in it (``response_action: errors``). ``app_uninstalled`` and ``tokens_revoked`` forget the
workspace's tokens and stop its scheduled posts (its data stays for a reinstall).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.chart_png import file_name
from bot.inbound import Accepted, Job, Pipeline, Request, Tell
from bot.messenger import DeliveryError
from bot.slack import blocks, forms, modal
from bot.slack.client import delivery_error
from bot.slack.messenger import upload_chart
from bot.slack.users import UserDirectory
from handlers.context import Caller, SourceMessage
from handlers.core import ACTIONS
from handlers.outbox import AnswerRoute
from handlers.replies import Form, Outcome, Reply, Section, Target, Tone
from storage import inbox, installations

log = logging.getLogger(__name__)

ACTION_PATTERN = re.compile(r"^(" + "|".join(re.escape(a) for a in ACTIONS) + r")(:.*)?$")
PLATFORM = "slack"
UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")


def team_id_of(body: dict[str, Any], context: BoltContext | None = None) -> str:
    """The workspace a payload comes from (commands, interactions, events, enterprise installs)."""
    team = body.get("team")
    user = body.get("user")
    return (
        (context.team_id if context is not None else None)
        or body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else None)
        or (user.get("team_id") if isinstance(user, dict) else None)
        or (context.enterprise_id if context is not None else None)
        or ""
    )


def trigger_key(body: dict[str, Any]) -> str | None:
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if trigger else None


class SlackListeners:
    def __init__(
        self,
        services: Any,  # bot.app.Services
        users: UserDirectory,
        slash_command: str,
        pipeline: Pipeline,
        *,
        forget_tokens: Callable[[str], None] = lambda _team: None,
    ) -> None:
        self.services = services
        self.users = users
        self.slash_command = slash_command
        self.pipeline = pipeline
        self.forget_tokens = forget_tokens  # the installation store's, in OAuth mode

    # -- wiring ------------------------------------------------------------------------------

    def register(self, app: App) -> None:
        app.command(self.slash_command)(self.on_command)
        app.action(ACTION_PATTERN)(self.on_button)
        app.shortcut(modal.SHORTCUT_ID)(self.on_shortcut)
        app.shortcut(forms.TASK_FROM_MESSAGE)(self.on_message_shortcut)
        app.shortcut(forms.FEEDBACK_FROM_MESSAGE)(self.on_message_shortcut)
        for callback_id in (modal.CALLBACK_ID, forms.CALLBACK_ID):
            app.view_submission(callback_id)(self.on_form_submit)
            app.view_closed(callback_id)(self._ack)
        app.event("app_mention")(self.on_text_event)
        app.event("message")(self.on_text_event)
        app.event("app_home_opened")(self.on_home_opened)
        for name in UNINSTALL_EVENTS:
            app.event(name)(self.on_uninstalled)
        app.error(self.on_error)

    @staticmethod
    def _ack(ack: Ack) -> None:
        ack()

    def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed: %s", error, exc_info=error)

    def _accept_then_ack(self, ack: Ack, key: str | None, body: dict[str, Any], job: Job, tell: Tell) -> None:
        """Save, acknowledge, run the rest on the pipeline's pool."""
        ticket = self.pipeline.accept(key, _saved(body))
        ack()
        self.pipeline.submit(ticket, job, tell)

    # -- slash commands, buttons, shortcuts ---------------------------------------------------

    def on_command(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        job = self._command_job(body, client, context)
        self._accept_then_ack(ack, trigger_key(body), body, job, self._responder(body))

    def on_button(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        job = self._button_job(body, client, context)
        self._accept_then_ack(ack, trigger_key(body), body, job, self._responder(body))

    def on_shortcut(self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        def job() -> Request:
            caller = self._caller(client, body, context, user_id=body["user"]["id"])
            opened = lambda: self.open_form(client, caller, body["trigger_id"], {})  # noqa: E731
            return Request("shortcut", caller, present=opened)

        self._accept_then_ack(ack, trigger_key(body), body, job, self._dm_teller(client, body))

    def on_message_shortcut(
        self, ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """The message shortcuts "Create coordination task" and "Log launch feedback": the task
        form or the feedback form, pre-filled from the message."""

        def job() -> Request:
            channel = (body.get("channel") or {}).get("id") or ""
            caller = self._caller(client, body, context, user_id=body["user"]["id"], channel_id=channel)
            message = body.get("message") or {}
            ts = str(message.get("ts") or body.get("message_ts") or "")
            link = self._permalink(client, channel, ts)
            source = SourceMessage(channel, ts, message.get("thread_ts"), link)
            text = self.users.name_mentions(client, caller.workspace_id, message.get("text") or "")
            feedback = body.get("callback_id") == forms.FEEDBACK_FROM_MESSAGE
            reply = self.services.coordinator.form_for_message(
                caller, source, text, message.get("user"), feedback=feedback
            )

            def present() -> None:
                if reply.form is None or not self._opened(client, body, reply.form):
                    self._responder(body)(reply)

            return Request("shortcut", caller, present=present)

        self._accept_then_ack(ack, trigger_key(body), body, job, self._responder(body))

    @staticmethod
    def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
        """The message's link (``chat.getPermalink``); None when Slack will not give it."""
        try:
            return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except (SlackApiError, KeyError, TypeError):
            log.info("Slack gave no permalink for a message in %s", channel)
            return None

    def _command_job(self, body: dict[str, Any], client: WebClient, context: BoltContext) -> Job:
        def job() -> Request:
            caller = self._caller(
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
                    "channel": caller.channel_id or "",
                    "response_url": body.get("response_url") or "",
                }
                opened = lambda: self.open_form(client, caller, body["trigger_id"], metadata)  # noqa: E731
                return Request("form", caller, present=opened)
            return Request(
                "command",
                caller,
                text=self.users.name_mentions(client, caller.workspace_id, text),
                route=self._route(body, caller),
                people=self.users.mentioned_profiles(client, caller.workspace_id, text),
            )

        return job

    def _button_job(self, body: dict[str, Any], client: WebClient, context: BoltContext) -> Job:
        def job() -> Request:
            action = (body.get("actions") or [{}])[0]
            channel = body.get("channel") or {}
            user = body["user"]
            caller = self._caller(
                client,
                body,
                context,
                user_id=user["id"],
                channel_id=channel.get("id"),
                channel_name=channel.get("name"),
                fallback_name=user.get("username") or user.get("name"),
            )
            pressed = (blocks.core_action(action.get("action_id") or ""), str(action.get("value") or ""))
            answer = lambda outcome: self._answer_button(client, body, caller, outcome)  # noqa: E731
            return Request("action", caller, action=pressed, route=self._route(body, caller), answer=answer)

        return job

    def _route(self, body: dict[str, Any], caller: Caller) -> AnswerRoute:
        """Answer through the ``response_url`` (valid 30 minutes); else in the asker's DM."""
        dm = Target.user(caller.user_id, caller.user_name)
        return AnswerRoute(f"reply:{body.get('trigger_id')}", dm, dm, body.get("response_url") or None)

    def _responder(self, body: dict[str, Any]) -> Tell:
        def tell(reply: Reply) -> None:
            url = body.get("response_url")
            if url:
                content = blocks.render_message(reply)
                WebhookClient(url).send(response_type="ephemeral", replace_original=False, **content)

        return tell

    def _dm_teller(self, client: WebClient, body: dict[str, Any]) -> Tell:
        user = (body.get("user") or {}).get("id")
        return lambda reply: client.chat_postMessage(channel=user, **blocks.render_message(reply))

    def _answer_button(
        self, client: WebClient, body: dict[str, Any], caller: Caller, outcome: Outcome
    ) -> None:
        """A form: open it; in App Home: publish it again with the notice; on a message: update the
        card in place."""
        try:
            container = body.get("container") or {}
            form = outcome.reply.form
            if form is not None and outcome.reply.tone != Tone.ERROR and self._opened(client, body, form):
                return
            if container.get("type") == "view":
                self.publish_home(client, caller, notice=outcome.reply)
            elif outcome.changed_task is None or not body.get("response_url"):
                if outcome.answer is not None:
                    self.services.messengers.for_platform(PLATFORM).send(outcome.answer)
            else:
                self.update_in_place(Respond(response_url=body["response_url"]), body, outcome)
        except DeliveryError:
            raise
        except Exception as exc:
            raise delivery_error(exc, "the button's message") from exc

    @staticmethod
    def _opened(client: WebClient, body: dict[str, Any], form: Form) -> bool:
        """Open ``form`` as a modal; False when Slack would not (the trigger expired …): the
        answer, whose text is the command to type, goes instead."""
        channel = (body.get("channel") or {}).get("id")
        view = forms.build_view(form, channel=channel, response_url=body.get("response_url"))
        try:
            client.views_open(trigger_id=body.get("trigger_id") or "", view=view)
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.info("Slack would not open a form (%s); answering with its command", error)
            return False
        return True

    def update_in_place(self, respond: Respond, body: dict[str, Any], outcome: Outcome) -> None:
        """Re-render the changed task inside the message the button was on, then confirm ephemerally."""
        task = outcome.changed_task
        reply = outcome.reply
        section = next((s for s in reply.sections if blocks.section_task(s) == task), None)
        original = (body.get("message") or {}).get("blocks")
        spliced = None
        if section is not None and original and task is not None:
            spliced = blocks.replace_task_blocks(original, task, blocks.render_card(section, reply.language))
        if spliced is None:
            # an ephemeral message (Slack does not send it back) or one without this task: show the reply
            _checked(respond(replace_original=True, **blocks.render_message(reply)))
            return
        text = (body.get("message") or {}).get("text") or ""
        _checked(respond(replace_original=True, blocks=spliced, text=text))
        confirmation = Reply(reply.headline, tone=reply.tone, language=reply.language)
        _checked(
            respond(response_type="ephemeral", replace_original=False, **blocks.render_message(confirmation))
        )

    # -- mentions and DMs ---------------------------------------------------------------------

    def on_text_event(
        self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """An @mention, or a message in the bot's DM; bolt acknowledges it when this returns."""
        if not self.wants(event, context.bot_user_id):
            return
        event_id = body.get("event_id")
        ticket = self.pipeline.accept(f"event:{event_id}" if event_id else None, _saved(body))
        self.pipeline.submit(
            ticket, self._text_job(event, body, client, context), self._event_teller(client, event)
        )

    @staticmethod
    def wants(event: dict[str, Any], bot_user_id: str | None) -> bool:
        """A person's @mention, or a person's plain message in a DM (no edits, bots or self)."""
        if not event.get("user") or event.get("bot_id") or event.get("user") == bot_user_id:
            return False
        if event.get("type") == "app_mention":
            return True
        return event.get("channel_type") == "im" and not event.get("subtype")

    def _text_job(
        self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> Job:
        def job() -> Request:
            text = event.get("text") or ""
            bot = context.bot_user_id
            if bot:
                text = re.sub(rf"^\s*<@{re.escape(bot)}(?:\|[^>]*)?>[\s:,]*", "", text)
            channel = event["channel"]
            caller = self._caller(client, body, context, user_id=event["user"], channel_id=channel)
            if event.get("thread_ts"):  # in a thread: a task it adds is told there what became of it
                root = str(event["thread_ts"])
                caller = dataclasses.replace(caller, replying_to=SourceMessage(channel, root, root))
            direct = channel.startswith("D") or event.get("channel_type") == "im"
            here = Target.channel(channel)
            private = here if direct else Target.member(channel, caller.user_id, caller.user_name)
            route = AnswerRoute(f"reply:{body.get('event_id')}", here, private)
            answer = lambda outcome: self.post_reply(client, outcome.reply, event)  # noqa: E731
            return Request(
                "message",
                caller,
                text=self.users.name_mentions(client, caller.workspace_id, text),
                route=route,
                answer=answer,
                people=self.users.mentioned_profiles(client, caller.workspace_id, text),
            )

        return job

    def _event_teller(self, client: WebClient, event: dict[str, Any]) -> Tell:
        return lambda reply: self.post_reply(client, reply, event)

    @staticmethod
    def post_reply(client: WebClient, reply: Reply, event: dict[str, Any]) -> None:
        """Answer where the person wrote (in its thread): ephemeral to them, or in the channel."""
        channel, user = event.get("channel"), event.get("user")
        if not channel or not user:
            return
        content = blocks.render_message(reply)
        extra = {"thread_ts": event["thread_ts"]} if event.get("thread_ts") else {}
        try:
            if reply.chart is not None:  # a file: in the channel, never ephemeral
                upload_chart(client, channel, reply, file_name(reply.chart, None), event.get("thread_ts"))
            elif reply.ephemeral and not channel.startswith("D"):
                client.chat_postEphemeral(channel=channel, user=user, **content, **extra)
            else:
                client.chat_postMessage(channel=channel, unfurl_links=False, **content, **extra)
        except Exception as exc:
            raise delivery_error(exc, f"channel {channel}") from exc

    # -- the modal ------------------------------------------------------------------------------

    def open_form(self, client: WebClient, caller: Caller, trigger_id: str, metadata: dict[str, str]) -> None:
        core = self.services.coordinator
        options = core.form_options(caller)
        view = modal.build_modal(options, core.language_for(caller), metadata=metadata)
        client.views_open(trigger_id=trigger_id, view=view)

    def on_form_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """Runs before the ack: a validation error goes back in it (``response_action: errors``)."""
        ticket = self.pipeline.accept(trigger_key(body), _saved(body))
        if ticket.accepted is Accepted.REDELIVERED:
            ack()
            return
        tell = self._dm_teller(client, body)
        done = self.pipeline.execute(ticket, self._form_job(body, view, client, context), tell)
        if done is not None and done[1].reply.tone == Tone.ERROR:
            outcome = done[1]
            if view.get("callback_id") == forms.CALLBACK_ID:
                block_id = forms.error_block(view, outcome.error_field)
            else:
                block_id = modal.error_block(view, outcome.error_field)
            if block_id is not None:
                ack(response_action="errors", errors={block_id: blocks.shorten(outcome.reply.headline, 150)})
                return
        ack()
        if done is not None:
            self.pipeline.finish_later(ticket, *done, tell)

    def _form_job(
        self, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> Job:
        if view.get("callback_id") == forms.CALLBACK_ID:
            return self._submission_job(body, view, client, context)

        def job() -> Request:
            caller = self._caller(client, body, context, user_id=body["user"]["id"])
            form = modal.read_submission(view)
            if form.assignee_id:
                assignee = self.users.lookup(client, caller.workspace_id, form.assignee_id)
                form = dataclasses.replace(form, assignee_name=assignee.name if assignee else None)
            metadata = modal.metadata_of(view)
            dm = Target.user(caller.user_id, caller.user_name)
            channel = metadata.get("channel")
            public = Target.channel(channel) if channel else dm
            route = AnswerRoute(
                f"reply:{body.get('trigger_id')}", public, dm, metadata.get("response_url") or None
            )
            return Request("form", caller, form=form, route=route)

        return job

    def _submission_job(
        self, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> Job:
        """A submitted core form: run as the submitter, in the channel of the press that opened it."""

        def job() -> Request | None:
            submission = forms.read_submission(view)
            if submission is None:
                log.warning("Slack form submission without its form's metadata; ignored")
                return None
            metadata = forms.metadata_of(view)
            channel = metadata.get("channel")
            caller = self._caller(client, body, context, user_id=body["user"]["id"], channel_id=channel)
            dm = Target.user(caller.user_id, caller.user_name)
            public = Target.channel(channel) if channel else dm
            route = AnswerRoute(
                f"reply:{body.get('trigger_id')}", public, dm, metadata.get("response_url") or None
            )
            return Request("form", caller, submission=submission, route=route)

        return job

    # -- App Home -------------------------------------------------------------------------------

    def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return

        def job() -> Request:
            caller = self._caller(client, body, context, user_id=event["user"])
            return Request("view", caller, present=lambda: self.publish_home(client, caller))

        self.pipeline.submit(self.pipeline.accept(None, {}), job, lambda _reply: None)

    def publish_home(self, client: WebClient, caller: Caller, *, notice: Reply | None = None) -> None:
        home = self.services.coordinator.home(caller)
        if notice is not None:
            emoji = blocks.TONE_EMOJI.get(notice.tone, "")
            noted = (Section(context=f"{emoji} {notice.headline}"), *home.sections)
            home = dataclasses.replace(home, sections=noted)
        client.views_publish(user_id=caller.user_id, view=blocks.render_home(home))

    # -- uninstalling ---------------------------------------------------------------------------

    def on_uninstalled(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        """``app_uninstalled`` / ``tokens_revoked``: forget the tokens, stop scheduling; keep the data."""
        team = team_id_of(body, context)
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens went: the bot still works
        log.warning("Slack workspace %s: %s; its tokens are forgotten", team, event.get("type"))
        self.forget_tokens(team)
        with self.services.db.transaction() as session:
            installations.uninstalled(session, PLATFORM, team, self.services.clock.now())

    # -- recovery -------------------------------------------------------------------------------

    def recover(self, client_for: Callable[[str], WebClient], *, limit: int = 50) -> int:
        """Run saved requests whose lease ran out (a crash, an outage); how many were taken.

        ``client_for(team_id)`` gives a Web API client with that workspace's bot token.
        """
        return self.pipeline.recover(lambda entry: self._rebuilt(entry, client_for), limit=limit)

    def _rebuilt(self, entry: inbox.Pending, client_for: Callable[[str], WebClient]) -> tuple[Job, Tell]:
        """The job and tell of a saved request: a command, a button press, a shortcut or an event."""
        body = json.loads(entry.payload)
        team = team_id_of(body)
        client = client_for(team)
        if entry.key.startswith("event:"):
            event = body.get("event") or {}
            bot = ((body.get("authorizations") or [{}])[0] or {}).get("user_id")
            context = BoltContext({"team_id": team, "bot_user_id": bot})
            return self._text_job(event, body, client, context), self._event_teller(client, event)
        context = BoltContext({"team_id": team})
        if body.get("command"):
            return self._command_job(body, client, context), self._responder(body)
        if body.get("type") == "view_submission":
            view = body.get("view") or {}
            return self._form_job(body, view, client, context), self._dm_teller(client, body)
        return self._button_job(body, client, context), self._responder(body)

    # -- helpers ----------------------------------------------------------------------------------

    def _caller(
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
            team_id=team_id_of(body, context),
            user_id=user_id,
            fallback_name=fallback_name,
            channel_id=channel_id,
            channel_name=channel_name,
            workspace_name=body.get("team_domain") or (team or {}).get("domain"),
        )


def _saved(body: dict[str, Any]) -> dict[str, Any]:
    """What the inbox keeps of a payload: all of it but Slack's verification token."""
    return {k: v for k, v in body.items() if k != "token"}


def _checked(response: Any) -> None:
    """A ``response_url`` answer Slack refused (expired, Slack down) is a failed delivery."""
    status = int(getattr(response, "status_code", 200) or 200)
    if status >= 400:
        # not permanent: the answer's target (the asker's DM) is still there for the scheduler
        raise DeliveryError(f"Slack refused the response_url (HTTP {status})")
