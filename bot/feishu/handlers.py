"""Feishu events through the core: messages become commands, card button presses actions.

Both transports (HTTP events and the long connection) hand the decrypted event to
:class:`FeishuBot`. A message is first written to the inbox (:mod:`storage.inbox`: one small
insert) and Feishu gets its answer at once; the command then runs on a small thread pool and
marks the inbox entry done in its own transaction, so it runs once even if Feishu redelivers
the event or two replicas race for it. Entries left pending by a crash are run again by
:meth:`FeishuBot.recover`. A card button press is answered in Feishu's response (toast and
updated card), so it runs while Feishu waits.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from lark_oapi.api.contact.v3 import GetUserRequest
from lark_oapi.api.im.v1 import P2ImMessageReceiveV1
from lark_oapi.core.enum import AccessTokenType, HttpMethod
from lark_oapi.core.json import JSON
from lark_oapi.core.model import BaseRequest
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot.delivery import defer, deliver_outbox
from bot.feishu.cards import render_card, toast
from bot.feishu.messenger import FeishuMessenger
from bot.feishu.sdk import LarkClient
from bot.feishu.text import BotIdentity, Mention, message_text, translate
from bot.messenger import DeliveryError
from handlers.context import Caller
from handlers.core import ACTIONS
from handlers.i18n import t
from handlers.replies import Outbound, Reply, Target, Tone
from storage import inbox
from storage.events import claim_event

log = logging.getLogger(__name__)

PLATFORM = "feishu"
NAME_TTL = 3600.0  # seconds a looked-up display name is trusted
ACCEPT_WAIT = 2.5  # seconds a message waits for the inbox; Feishu waits 3 s for its answer
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
        client: LarkClient,
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
        self._idle = threading.Condition()
        self._busy = 0  # pieces of work submitted to the pool and not finished
        self._pool = ThreadPoolExecutor(max_workers=send_workers, thread_name_prefix="feishu-send")
        self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="feishu-lookup")
        self._accepts = inbox.AcceptQueue(services.db, services.clock.now)

    def close(self, wait: bool = True) -> None:
        self._accepts.close()
        self._pool.shutdown(wait=wait)
        self._lookups.shutdown(wait=wait)

    # -- im.message.receive_v1 ----------------------------------------------------------------

    def accept_message(self, event: dict[str, Any]) -> None:
        """Take an ``im.message.receive_v1`` event while Feishu waits: inbox it, run it after.

        Only what the event itself shows is checked here (no network, no command): other bots'
        messages and group messages that mention nobody are dropped. When the inbox refuses the
        write (the database is away) the message still runs, unsaved, so the person is told to
        try again rather than left without an answer; it is guarded by the same key, so if the
        write did land after all (a commit in doubt) the sweeper finds it done.
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
        if message.get("chat_type") != "p2p" and not self._may_mention_bot(message.get("mentions")):
            return  # group chatter that does not address the bot
        key = f"message:{message_id}"
        saved = dict(event)
        if isinstance(saved.get("header"), dict):  # the verification token is not kept
            saved["header"] = {k: v for k, v in saved["header"].items() if k != "token"}
        payload = json.dumps(saved, ensure_ascii=False)
        try:
            accepted = self._accepts.accept(PLATFORM, key, payload, timeout=ACCEPT_WAIT)
        except (OperationalError, DBAPIError) as exc:  # rolled back: nothing was written
            log.warning("Feishu message %s not inboxed (%s); run anyway", message_id, type(exc).__name__)
            self._later(self.run_message, payload, key, False)
            return
        except TimeoutError:
            # It may still be written: answer with an error so Feishu delivers it again; the
            # redelivery is either accepted now or finds it in the inbox.
            log.warning("Feishu message %s: the inbox is slow; Feishu will deliver it again", message_id)
            raise
        if not accepted:
            log.info("Feishu message %s already accepted; redelivery ignored", message_id)
            return
        self._later(self.run_message, payload, key)

    def _may_mention_bot(self, mentions: object) -> bool:
        """Whether a group message's mentions could include the bot (unknown bot id: any)."""
        if not isinstance(mentions, list) or not mentions:
            return False
        with self._lock:
            bot_id = self._identity.open_id if self._identity is not None else None
        if not bot_id:
            return True  # learnt later, off Feishu's clock
        ids = (m.get("id") for m in mentions if isinstance(m, dict))
        return any(isinstance(i, dict) and i.get("open_id") == bot_id for i in ids)

    def run_message(self, payload: str, key: str | None, saved: bool = True) -> None:
        """Run an accepted message; ``key`` is its inbox entry, settled with the command.

        ``saved``: the entry is in the inbox, so if the database goes away the message can wait
        there (for :meth:`recover`) instead of the person being told to try again.
        """
        data = JSON.unmarshal(payload, P2ImMessageReceiveV1)
        header, event = data.header, data.event
        if event is None or event.message is None or event.sender is None:
            self._done(key)
            return
        sender, message = event.sender, event.message
        open_id = sender.sender_id.open_id if sender.sender_id else None
        tenant_key = (header.tenant_key if header else None) or sender.tenant_key
        if not open_id or not tenant_key or not message.chat_id or not message.message_id:
            log.warning("Feishu message event without sender, tenant or chat; ignored")
            self._done(key)
            return
        p2p = message.chat_type == "p2p"
        raw_text = message_text(message.message_type, message.content)
        if raw_text is None:  # a picture or file: only worth an answer in a direct chat
            if self._done(key) and p2p:
                caller = self._caller(tenant_key, open_id, message.chat_id, with_name=False)
                reply = Reply(t(self._language(caller), "feishu.text_only"), tone=Tone.INFO)
                self._answer(tenant_key, message.chat_id, message.message_id, True, reply, [])
            return

        mentions = [Mention.from_event(m) for m in message.mentions or ()]
        translated = translate(raw_text, mentions, self.identity(), leading_is_bot=lambda: not p2p)
        if not p2p and not translated.mentioned_bot:
            self._done(key)  # group chatter that does not address the bot
            return
        caller = self._caller(tenant_key, open_id, message.chat_id)
        once = self._once(key) if key is not None else None
        outcome = self.services.coordinator.handle_text(caller, translated.text, once=once)
        if outcome.already_done:
            return
        if outcome.retry_later and key is not None and saved:
            log.warning("Feishu message %s stays in the inbox: database unavailable", message.message_id)
            return  # recover() runs it again once the database answers
        self._answer(tenant_key, message.chat_id, message.message_id, p2p, outcome.reply, outcome.outbox)

    def recover(self, *, limit: int = 50) -> int:
        """Run inbox entries whose lease ran out (a crash, an outage); returns how many it took."""
        return inbox.recover(
            self.services.db,
            PLATFORM,
            self.services.clock.now(),
            lambda entry: self.run_message(entry.payload, entry.key),
            limit=limit,
        )

    def _once(self, key: str) -> Callable[[Session], bool]:
        return lambda session: inbox.settle(session, PLATFORM, key, self.services.clock.now())

    def _done(self, key: str | None) -> bool:
        """Mark an entry that needs no command done; False when another worker did it first."""
        if key is None:
            return True
        try:
            with self.services.db.transaction() as session:
                return self._once(key)(session)
        except (OperationalError, DBAPIError) as exc:
            log.warning("Feishu inbox entry %s not marked done (%s)", key, type(exc).__name__)
            return False

    def _answer(
        self, tenant_key: str, chat_id: str, message_id: str, p2p: bool, reply: Reply, outbox: list[Outbound]
    ) -> None:
        key = f"reply:{message_id}"
        try:
            if p2p:
                self.messenger.post(chat_id, reply, key=key)
            else:
                self.messenger.reply(message_id, reply, key=key)
        except DeliveryError as exc:
            log.warning("could not answer Feishu message %s: %s", message_id, exc)
            if not exc.permanent:  # the scheduler posts it to the chat (same key: same uuid)
                later = Outbound(PLATFORM, tenant_key, Target.channel(chat_id), reply, key=key)
                defer(later, self.services.db, self.services.clock.now())
        self._deliver(outbox)

    def _deliver(self, outbox: list[Outbound]) -> None:
        deliver_outbox(outbox, self.services.messengers, db=self.services.db, now=self.services.clock.now)

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
            self._later(self._deliver, list(outcome.outbox))
        return P2CardActionTriggerResponse(answer)

    # -- shared ---------------------------------------------------------------------------------

    def _later(self, fn: Any, *args: Any) -> None:
        def run() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("Feishu background work failed")

        with self._idle:
            self._busy += 1
        future = self._pool.submit(run)
        future.add_done_callback(self._finished)

    def _finished(self, _future: object) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the work handed to the pool so far has finished; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _claim(self, event_id: str) -> bool:
        """Record a card action's event id as handled; False when it already was.

        When the database cannot be reached the press is handled anyway: the core then answers
        that it cannot reach the database and the person tries again.
        """
        try:
            with self.services.db.transaction() as session:
                return claim_event(session, PLATFORM, event_id, self.services.clock.now())
        except (OperationalError, DBAPIError) as exc:
            log.warning("Feishu event %s not recorded (%s); handling it anyway", event_id, type(exc).__name__)
            return True

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
