"""Feishu events mapped into the inbound pipeline (:mod:`bot.inbound`): messages and card presses.

Both transports (HTTP events and the long connection) hand the decrypted event here.
``im.message.receive_v1``: what the event itself shows is checked (no network), the message is
saved in the inbox under ``message:<message_id>`` and Feishu gets its answer at once; the
pipeline then runs the command once, answers (a threaded reply for the group, a card only the
asker sees for what is meant for them alone, a post in a direct chat) and recovers it after a
crash. ``card.action.trigger``: a button press runs while Feishu waits, saved under
``card:<event_id>``, since its answer (toast and updated card) goes back in the response. A press
answered with a form (a "not ready" reason …) gets a toast, and the form comes as a card only the
presser sees (sent through the ledger); its submission is a ``card.action.trigger`` too, with the
inputs' values in ``form_value``, answered by replacing the form with the result.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlencode

from lark_oapi.api.im.v1 import P2ImMessageReceiveV1
from lark_oapi.core.enum import AccessTokenType, HttpMethod
from lark_oapi.core.json import JSON
from lark_oapi.core.model import BaseRequest
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
)

from bot.feishu.cards import render_card, toast
from bot.feishu.messenger import FeishuMessenger
from bot.feishu.sdk import LarkClient
from bot.feishu.text import BotIdentity, Mention, read_message, translate
from bot.inbound import Accepted, Job, Pipeline, Request, Tell
from handlers.context import Caller, SourceMessage
from handlers.core import ACTIONS, FORM_ACTIONS
from handlers.i18n import t
from handlers.outbox import AnswerRoute
from handlers.replies import FormSubmission, Outbound, Outcome, Reply, Target, Tone
from storage import inbox

log = logging.getLogger(__name__)

PLATFORM = "feishu"
# Feishu gives apps no link to one message; its AppLink opens the chat it is in, in the client.
FEISHU_APPLINK = "https://applink.feishu.cn"
LARK_APPLINK = "https://applink.larksuite.com"


def applink_for(domain: str) -> str:
    """The AppLink host of the Open Platform at ``domain`` (Lark's for larksuite.com)."""
    return LARK_APPLINK if "larksuite" in domain else FEISHU_APPLINK


def chat_link(applink: str, chat_id: str) -> str:
    """A link that opens the chat ``chat_id`` in the Feishu client (a task's source, clickable)."""
    return f"{applink}/client/chat/open?{urlencode({'openChatId': chat_id})}"


NAME_TTL = 3600.0  # seconds a looked-up display name is trusted
NAME_WAIT = 1.0  # seconds an event waits for a display-name lookup
NAME_MISS_TTL = 600.0  # seconds before asking again about someone the contact API refused
BOT_INFO_RETRY = 60.0  # seconds between attempts to learn the bot's own open_id
CONTACT_FORBIDDEN = frozenset({99991672, 99991679})  # the app lacks the contact scope


class FeishuListeners:
    """The event callbacks, with what they share: services, messenger, pipeline, caches."""

    def __init__(
        self,
        services: Any,  # bot.app.Services (not imported: it imports the core's wiring)
        messenger: FeishuMessenger,
        client: LarkClient,
        pipeline: Pipeline,
        *,
        identity: BotIdentity | None = None,
        applink: str = FEISHU_APPLINK,
    ) -> None:
        self.applink = applink  # where links that open a chat in the Feishu (or Lark) client start
        self.services = services
        self.messenger = messenger
        self.client = client
        self.pipeline = pipeline
        self._identity = identity
        self._identity_checked_at: float | None = None
        self._names: dict[str, tuple[str | None, float]] = {}
        self._contact_forbidden_until = 0.0
        self._lock = threading.Lock()
        self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="feishu-lookup")

    def close(self, wait: bool = True) -> None:
        if self.pipeline.accepts is not None:
            self.pipeline.accepts.close()
        if self.pipeline.work is not None:
            self.pipeline.work.shutdown(wait=wait)  # type: ignore[attr-defined]
        self._lookups.shutdown(wait=wait)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the work handed to the pool so far has finished; False on timeout."""
        wait = getattr(self.pipeline.work, "wait_idle", None)
        return wait(timeout) if wait is not None else True

    # -- im.message.receive_v1 ----------------------------------------------------------------

    def accept_message(self, event: dict[str, Any]) -> None:
        """Take an ``im.message.receive_v1`` event while Feishu waits: save it, run it after.

        Other bots' messages and group messages that mention nobody are dropped here. A slow
        inbox raises TimeoutError (answered with an error, so Feishu delivers it again).
        """
        body = event.get("event") if isinstance(event.get("event"), dict) else {}
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        sender = body.get("sender") if isinstance(body.get("sender"), dict) else {}
        message_id = message.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            log.warning("Feishu message event without a message id; ignored")
            return
        if sender.get("sender_type") not in (None, "user"):
            return  # other bots and the app itself
        if message.get("chat_type") != "p2p" and not self._may_mention_bot(message):
            return  # group chatter that does not address the bot
        saved = dict(event)
        if isinstance(saved.get("header"), dict):  # the verification token is not kept
            saved["header"] = {k: v for k, v in saved["header"].items() if k != "token"}
        ticket = self.pipeline.accept(f"message:{message_id}", saved)
        payload = json.dumps(saved, ensure_ascii=False)
        self.pipeline.submit(ticket, self._message_job(payload), self._teller(payload))

    def _may_mention_bot(self, message: dict[str, Any]) -> bool:
        """Whether a group message's mentions could include the bot (unknown bot id: any)."""
        listed = message.get("mentions")
        mentions = (
            [Mention.from_event(m) for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
        )
        read = read_message(message.get("message_type"), message.get("content"), mentions)
        found = list(read.mentions) if read is not None else mentions
        if not found:
            return False
        with self._lock:
            bot_id = self._identity.open_id if self._identity is not None else None
        return not bot_id or any(m.open_id == bot_id for m in found)  # unknown: learnt later

    def _message_job(self, payload: str) -> Job:
        def job() -> Request | None:
            data = JSON.unmarshal(payload, P2ImMessageReceiveV1)
            header, event = data.header, data.event
            if event is None or event.message is None or event.sender is None:
                return None
            sender, message = event.sender, event.message
            open_id = sender.sender_id.open_id if sender.sender_id else None
            tenant_key = (header.tenant_key if header else None) or sender.tenant_key
            chat_id, message_id = message.chat_id, message.message_id
            if not open_id or not tenant_key or not chat_id or not message_id:
                log.warning("Feishu message event without sender, tenant or chat; ignored")
                return None
            p2p = message.chat_type == "p2p"
            mentions = [Mention.from_event(m) for m in message.mentions or ()]
            read = read_message(message.message_type, message.content, mentions)
            if read is None:  # a picture or file: only worth an answer in a direct chat
                if not p2p:
                    return None
                caller = self._caller(tenant_key, open_id, chat_id, with_name=False)
                return Request("message", caller, present=lambda: self._text_only(caller))
            translated = translate(read.text, read.mentions, self.identity(), leading_is_bot=lambda: not p2p)
            if not p2p and not translated.mentioned_bot:
                return None  # group chatter that does not address the bot
            caller = self._caller(tenant_key, open_id, chat_id)
            if not p2p and message.parent_id:  # a reply: a task it adds keeps the message replied to
                thread = message.root_id or message.parent_id
                source = SourceMessage(chat_id, message.parent_id, thread, chat_link(self.applink, chat_id))
                caller = dataclasses.replace(caller, replying_to=source)
            here = Target.channel(chat_id)
            private = here if p2p else Target.member(chat_id, open_id, caller.user_name)
            route = AnswerRoute(f"reply:{message_id}", here, private, None if p2p else message_id)
            return Request("message", caller, text=translated.text, route=route)

        return job

    def _text_only(self, caller: Caller) -> None:
        lang = self.services.coordinator.language_for(caller)
        reply = Reply(t(lang, "feishu.text_only"), tone=Tone.INFO, language=lang)
        self.messenger.send(
            Outbound(PLATFORM, caller.workspace_id, Target.channel(caller.channel_id or ""), reply)
        )

    def _teller(self, payload: str) -> Tell:
        """Tell the asker alone: a card only they see in a group, a post in a direct chat."""

        def tell(reply: Reply) -> None:
            data = json.loads(payload)
            event = data.get("event") or {}
            message = event.get("message") or {}
            chat_id = message.get("chat_id")
            open_id = ((event.get("sender") or {}).get("sender_id") or {}).get("open_id")
            tenant = (data.get("header") or {}).get("tenant_key") or ""
            if not chat_id or not open_id:
                return
            target = (
                Target.channel(chat_id)
                if message.get("chat_type") == "p2p"
                else Target.member(chat_id, open_id)
            )
            self.messenger.send(Outbound(PLATFORM, tenant, target, reply))

        return tell

    def recover(self, *, limit: int = 50) -> int:
        """Run inbox entries whose lease ran out (a crash, an outage); returns how many it took."""
        return self.pipeline.recover(self.rebuild, limit=limit)

    def rebuild(self, entry: inbox.Pending) -> tuple[Job, Tell]:
        """The job and tell of a saved event: a message, or a card press (whose toast is long gone)."""
        if entry.key.startswith("card:"):
            return self._card_job(entry.payload, {}), self._card_teller(entry.payload)
        return self._message_job(entry.payload), self._teller(entry.payload)

    # -- card.action.trigger ------------------------------------------------------------------

    def on_card_action(self, event: dict[str, Any]) -> dict[str, Any]:
        """A button press: run while Feishu waits; the answer is the response (toast, card)."""
        header = event.get("header") if isinstance(event.get("header"), dict) else {}
        event_id = header.get("event_id")
        saved = {**event, "header": {k: v for k, v in header.items() if k != "token"}}
        ticket = self.pipeline.accept(f"card:{event_id}" if event_id else None, saved)
        if ticket.accepted is Accepted.REDELIVERED:
            return {}
        answer: dict[str, Any] = {}
        payload = json.dumps(saved, ensure_ascii=False)
        tell = self._card_teller(payload, answer)
        done = self.pipeline.execute(ticket, self._card_job(payload, answer), tell)
        if done is None:
            return answer  # a bad press or a failure: the toast is in ``answer`` already
        request, outcome = done
        if outcome.retry_later and ticket.saved:
            tell(Reply(t(outcome.reply.language, "inbound.saved_for_later"), language=outcome.reply.language))
        elif not outcome.already_done and request.answer is not None:
            request.answer(outcome)
        # the rest (the outbox, settling) after the response; the answer went in it, but a form
        # goes as a card of its own (by the messenger, from the ledger)
        sends_form = outcome.reply.form is not None and outcome.reply.tone != Tone.ERROR
        after = dataclasses.replace(request, answer=None if sends_form else _answered)
        self.pipeline.finish_later(ticket, after, outcome, tell)
        return answer

    def _card_job(self, payload: str, answer: dict[str, Any]) -> Job:
        def job() -> Request | None:
            data = JSON.unmarshal(payload, P2CardActionTrigger)
            header, event = data.header, data.event
            operator = event.operator if event else None
            open_id = operator.open_id if operator else None
            tenant_key = (header.tenant_key if header else None) or (
                operator.tenant_key if operator else None
            )
            if event is None or not open_id or not tenant_key:
                log.warning("Feishu card action without operator or tenant; ignored")
                return None
            value = (event.action.value if event.action else None) or {}
            chat_id = event.context.open_chat_id if event.context else None
            caller = self._caller(tenant_key, open_id, chat_id)
            action_id, task = value.get("action"), value.get("value")
            submitted = bool(value.get("form")) and action_id in FORM_ACTIONS
            if (action_id not in ACTIONS and not submitted) or not isinstance(task, str | int):
                lang = self._language(caller)
                reply = Reply(t(lang, "feishu.bad_action"), tone=Tone.WARNING, language=lang)
                return Request("action", caller, present=lambda: answer.update({"toast": toast(reply)}))
            if submitted:
                form_value = event.action.form_value if event.action else None
                values = {str(k): _form_text(v) for k, v in (form_value or {}).items()}
                return Request(
                    "form",
                    caller,
                    submission=FormSubmission(action_id, str(task), values),
                    answer=lambda outcome: answer.update(self._card_answer(outcome, True, submitted=True)),
                )
            in_place = bool(value.get("in_place"))
            route = None
            if action_id in FORM_ACTIONS:  # its answer may be a form: a card for the presser alone
                event_id = header.event_id if header else None
                alone = Target.member(chat_id, open_id, caller.user_name) if chat_id else Target.user(open_id)
                route = AnswerRoute(f"reply:card:{event_id}", Target.channel(chat_id or open_id), alone)
            return Request(
                "action",
                caller,
                action=(action_id, str(task)),
                route=route,
                answer=lambda outcome: answer.update(self._card_answer(outcome, in_place)),
            )

        return job

    @staticmethod
    def _card_answer(outcome: Outcome, in_place: bool, *, submitted: bool = False) -> dict[str, Any]:
        """The response to a press: a toast, and the pressed card replaced when it was about one
        task (or was the form just submitted)."""
        reply = outcome.reply
        if reply.form is not None and reply.tone != Tone.ERROR:
            return {"toast": toast(Reply(t(reply.language, "feishu.form_sent"), language=reply.language))}
        answer: dict[str, Any] = {"toast": toast(reply)}
        replaced = submitted or (outcome.changed_task is not None and in_place)
        if reply.tone != Tone.ERROR and replaced:
            answer["card"] = {"type": "raw", "data": render_card(reply)}
        return answer

    def _card_teller(self, payload: str, answer: dict[str, Any] | None = None) -> Tell:
        """While Feishu waits, in the response's toast; after (a recovered press), nowhere."""
        return lambda reply: answer.update({"toast": toast(reply)}) if answer is not None else None

    # -- who is asking ----------------------------------------------------------------------------

    def _caller(
        self, tenant_key: str, open_id: str, chat_id: str | None, *, with_name: bool = True
    ) -> Caller:
        return Caller(
            platform=PLATFORM,
            workspace_id=tenant_key,
            user_id=open_id,
            user_name=self.display_name(open_id) if with_name else None,
            channel_id=chat_id,
            language=None,  # the core picks the workspace's (Chinese unless set otherwise)
        )

    def _language(self, caller: Caller) -> str:
        try:
            return self.services.coordinator.language_for(caller)
        except Exception:
            log.exception("could not tell the language of a Feishu caller")
            return "zh"

    def identity(self) -> BotIdentity:
        """The bot's own open_id and name (``bot/v3/info``), learnt once; retried if it failed."""
        with self._lock:
            if self._identity is not None and self._identity.open_id:
                return self._identity
            now = time.monotonic()
            if self._identity_checked_at is not None and now - self._identity_checked_at < BOT_INFO_RETRY:
                return self._identity or BotIdentity()
            self._identity_checked_at = now
        identity = self._fetch_identity()
        with self._lock:
            if identity is not None:
                self._identity = identity
            return self._identity or BotIdentity()

    def _fetch_identity(self) -> BotIdentity | None:
        request = (
            BaseRequest.builder()
            .http_method(HttpMethod.GET)
            .uri("/open-apis/bot/v3/info")
            .token_types({AccessTokenType.TENANT})
            .build()
        )
        try:
            response = self.client.request(request)
            body = json.loads(response.raw.content) if response.raw and response.raw.content else {}
            bot = body.get("bot") or {}
            if body.get("code") == 0 and bot.get("open_id"):
                return BotIdentity(open_id=bot["open_id"], app_name=bot.get("app_name"))
            log.warning("Feishu bot/v3/info answered code %s: %s", body.get("code"), body.get("msg"))
        except Exception as exc:
            log.warning("could not learn the Feishu bot's open_id: %s", type(exc).__name__)
        return None

    def display_name(self, open_id: str) -> str | None:
        """The person's name from the contact API, cached; None when not permitted or unknown.

        The lookup gets ``NAME_WAIT`` seconds (Feishu wants its answer within 3 s); a slower one
        finishes in the background and fills the cache for next time.
        """
        now = time.monotonic()
        with self._lock:
            cached = self._names.get(open_id)
            if cached is not None and cached[1] > now:
                return cached[0]
            if self._contact_forbidden_until > now:
                return None
        future = self._lookups.submit(self._look_up_name, open_id)
        try:
            return future.result(timeout=NAME_WAIT)
        except FutureTimeout:
            log.info("Feishu contact lookup is slow; going on without the name")
            return None

    def _look_up_name(self, open_id: str) -> str | None:
        now = time.monotonic()
        name: str | None = None
        ttl = NAME_MISS_TTL
        try:
            from lark_oapi.api.contact.v3 import GetUserRequest  # on the first lookup: ~200 models

            request = GetUserRequest.builder().user_id(open_id).user_id_type("open_id").build()
            response = self.client.contact.v3.user.get(request)
            if response.success() and response.data and response.data.user:
                name = response.data.user.name
                ttl = NAME_TTL
            elif response.code in CONTACT_FORBIDDEN:
                log.info("Feishu contact API not permitted (code %s); no display names", response.code)
                with self._lock:
                    self._contact_forbidden_until = now + NAME_MISS_TTL
        except Exception as exc:
            log.warning("Feishu contact lookup failed: %s", type(exc).__name__)
        with self._lock:
            self._names[open_id] = (name, now + ttl)
        return name


def _form_text(value: Any) -> str:
    """One ``form_value`` entry as text: a date picker's ``2026-12-20 +0800`` as its ISO day."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    text = str(value) if value is not None else ""
    if len(text) > 10 and text[4] == "-" and text[7] == "-" and text[10] == " ":
        return text[:10]
    return text


def _answered(_outcome: Outcome) -> None:
    """A card press's answer went back in Feishu's response: nothing to send after."""
