"""Feishu events through the core: messages become commands, card button presses actions.

Both transports (HTTP events and the long connection) hand events to the same
``EventDispatcherHandler``, whose callbacks are :meth:`FeishuBot.on_message` and
:meth:`FeishuBot.on_card_action`. The core's work runs while Feishu waits (it is quick); the
messages that result are sent afterwards on a small thread pool, so Feishu gets its answer
within its 3 s.

Redelivered events (same ``event_id``) and re-pushed messages (same ``message_id``) are
claimed in the database and change nothing twice.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import lark_oapi as lark
from lark_oapi.api.contact.v3 import GetUserRequest
from lark_oapi.api.im.v1 import P2ImMessageReceiveV1
from lark_oapi.core.enum import AccessTokenType, HttpMethod
from lark_oapi.core.model import BaseRequest
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.delivery import deliver_outbox
from bot.feishu.cards import render_card, toast
from bot.feishu.messenger import FeishuMessenger
from bot.feishu.text import BotIdentity, Mention, message_text, translate
from bot.messenger import DeliveryError
from handlers.context import Caller
from handlers.core import ACTIONS
from handlers.i18n import t
from handlers.replies import Outbound, Reply, Tone
from storage.events import claim_event

log = logging.getLogger(__name__)

PLATFORM = "feishu"
NAME_TTL = 3600.0  # seconds a looked-up display name is trusted
NAME_WAIT = 1.0  # seconds an event waits for a display-name lookup
NAME_MISS_TTL = 600.0  # seconds before asking again about someone the contact API refused
BOT_INFO_RETRY = 60.0  # seconds between attempts to learn the bot's own open_id
CONTACT_FORBIDDEN = frozenset({99991672, 99991679})  # the app lacks the contact scope


class FeishuBot:
    """The event callbacks, with what they share: services, messenger, caches, send pool."""

    def __init__(
        self,
        services: Any,  # bot.app.Services (not imported: it imports the core's wiring)
        messenger: FeishuMessenger,
        client: lark.Client,
        *,
        identity: BotIdentity | None = None,
        send_workers: int = 4,
    ) -> None:
        self.services = services
        self.messenger = messenger
        self.client = client
        self._identity = identity
        self._identity_checked_at: float | None = None
        self._names: dict[str, tuple[str | None, float]] = {}
        self._contact_forbidden_until = 0.0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=send_workers, thread_name_prefix="feishu-send")
        self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="feishu-lookup")

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
        self._lookups.shutdown(wait=wait)

    # -- im.message.receive_v1 ----------------------------------------------------------------

    def on_message(self, data: P2ImMessageReceiveV1) -> None:
        header, event = data.header, data.event
        if event is None or event.message is None or event.sender is None:
            return
        sender, message = event.sender, event.message
        if sender.sender_type not in (None, "user"):
            return  # other bots and the app itself
        open_id = sender.sender_id.open_id if sender.sender_id else None
        tenant_key = (header.tenant_key if header else None) or sender.tenant_key
        if not open_id or not tenant_key or not message.chat_id or not message.message_id:
            log.warning("Feishu message event without sender, tenant or chat; ignored")
            return
        p2p = message.chat_type == "p2p"
        raw_text = message_text(message.message_type, message.content)
        mentions = [Mention.from_event(m) for m in message.mentions or ()]

        if raw_text is None:
            if not p2p:
                return  # a picture or file in a group: not for us
            if not self._claim(header.event_id if header else None, message.message_id):
                return
            caller = self._caller(tenant_key, open_id, message.chat_id, with_name=False)
            reply = Reply(t(self._language(caller), "feishu.text_only"), tone=Tone.INFO)
            self._later(self._answer, message.chat_id, message.message_id, True, reply, [])
            return

        translated = translate(raw_text, mentions, self.identity(), leading_is_bot=lambda: not p2p)
        if not p2p and not translated.mentioned_bot:
            return  # group chatter that does not address the bot
        if not self._claim(header.event_id if header else None, message.message_id):
            log.info("Feishu message %s already handled; redelivery ignored", message.message_id)
            return
        caller = self._caller(tenant_key, open_id, message.chat_id)
        outcome = self.services.coordinator.handle_text(caller, translated.text)
        self._later(self._answer, message.chat_id, message.message_id, p2p, outcome.reply, outcome.outbox)

    def _answer(
        self, chat_id: str, message_id: str, p2p: bool, reply: Reply, outbox: list[Outbound]
    ) -> None:
        key = f"reply:{message_id}"
        try:
            if p2p:
                self.messenger.post(chat_id, reply, key=key)
            else:
                self.messenger.reply(message_id, reply, key=key)
        except DeliveryError as exc:
            log.warning("could not answer Feishu message %s: %s", message_id, exc)
        deliver_outbox(outbox, self.services.messengers)

    # -- card.action.trigger ------------------------------------------------------------------

    def on_card_action(self, data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        header, event = data.header, data.event
        operator = event.operator if event else None
        open_id = operator.open_id if operator else None
        tenant_key = (header.tenant_key if header else None) or (operator.tenant_key if operator else None)
        if event is None or not open_id or not tenant_key:
            log.warning("Feishu card action without operator or tenant; ignored")
            return P2CardActionTriggerResponse({})
        if header is not None and header.event_id and not self._claim(header.event_id):
            log.info("Feishu card action %s already handled; redelivery ignored", header.event_id)
            return P2CardActionTriggerResponse({})
        value = (event.action.value if event.action else None) or {}
        chat_id = event.context.open_chat_id if event.context else None
        caller = self._caller(tenant_key, open_id, chat_id)
        action_id, task = value.get("action"), value.get("value")
        if action_id not in ACTIONS or not isinstance(task, str | int):
            reply = Reply(t(self._language(caller), "feishu.bad_action"), tone=Tone.WARNING)
            return P2CardActionTriggerResponse({"toast": toast(reply)})
        outcome = self.services.coordinator.handle_action(caller, action_id, str(task))
        answer: dict[str, Any] = {"toast": toast(outcome.reply)}
        if outcome.reply.tone != Tone.ERROR and outcome.changed_task is not None and value.get("in_place"):
            answer["card"] = {"type": "raw", "data": render_card(outcome.reply)}
        if outcome.outbox:
            self._later(deliver_outbox, list(outcome.outbox), self.services.messengers)
        return P2CardActionTriggerResponse(answer)

    # -- shared ---------------------------------------------------------------------------------

    def _later(self, fn: Any, *args: Any) -> None:
        def run() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("Feishu background send failed")

        self._pool.submit(run)

    def _claim(self, event_id: str | None, message_id: str | None = None) -> bool:
        """Record the event (and message) as handled; False when either already was.

        When the database cannot be reached the event is handled anyway: the core then answers
        that it cannot reach the database and the person tries again (a 500 instead would leave
        them without an answer, and Feishu would redeliver the event minutes later).
        """
        keys = [k for k in (event_id, f"message:{message_id}" if message_id else None) if k]
        if not keys:
            return True
        now = self.services.clock.now()
        try:
            with self.services.db.transaction() as session:
                claimed = [claim_event(session, PLATFORM, key, now) for key in keys]
        except (OperationalError, DBAPIError) as exc:
            log.warning("Feishu event %s not recorded (%s); handling it anyway", keys[0], type(exc).__name__)
            return True
        return all(claimed)

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

    # -- identity -------------------------------------------------------------------------------

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
