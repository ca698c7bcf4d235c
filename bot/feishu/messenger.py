"""Sending to Feishu: channel posts and DMs (``im.v1.message.create``), replies and card updates.

Every message is an interactive card rendered from the core's :class:`Reply`. A message with a
notification key carries a ``uuid`` derived from it, so Feishu drops a retried duplicate (it
de-duplicates a uuid for an hour). Rate-limit answers are retried after the reset Feishu
names; permission problems (bot not in the chat, chat gone, missing scope) are permanent.

A reply meant for one member of a group (a ``member`` target) is a card only they see
(``POST /open-apis/ephemeral/v1/send``); where Feishu cannot show one (a topic group, a person
who is not in the chat, the app without the scope) it goes to their direct chat instead. The
answer to a message replies to it (``Outbound.reply_handle``, its message id) on the first
attempt and is posted to the chat on a later one (the message may have been recalled).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lark_oapi.core.enum import AccessTokenType, HttpMethod
from lark_oapi.core.model import BaseRequest

from bot.chart_png import render_png
from bot.feishu.cards import card_content, render_card
from bot.feishu.sdk import LarkClient
from bot.messenger import Delivery, DeliveryError, beside_file, rate_limits_are_handed_back
from handlers.replies import Outbound, Reply, Target

log = logging.getLogger(__name__)


def _im() -> Any:
    """``lark_oapi.api.im.v1`` (the request models), imported with the first message, not at start-up."""
    from lark_oapi.api.im import v1

    return v1


RATE_LIMIT_CODES = frozenset({99991400, 230020})  # app-wide limit; per-chat frequency limit
PERMANENT_CODES = frozenset(
    {
        230001,  # invalid parameter (e.g. a receive_id that does not exist)
        230002,  # the bot is not in the chat
        230006,  # the app's bot ability is not enabled
        230011,  # the message was recalled
        230013,  # the user is outside the bot's availability
        230017,  # the bot has no permission in this chat
        230027,  # missing permission
        230035,  # sending is not allowed in this chat
        230099,  # the card content is invalid
        99991672,  # the app lacks a scope (im:message / im:message:send_as_bot)
        99992361,  # an open_id of another app
        99992402,  # field validation failed
    }
)
RATE_LIMITED_METHOD = "im.message.create"  # what bot.ratelimit holds on a rate limit
UUID_MAX = 50
EPHEMERAL_URI = "/open-apis/ephemeral/v1/send"


def message_uuid(key: str) -> str:
    """A stable uuid (≤ 50 chars) for a notification key: the same key, the same uuid."""
    return "cb-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[: UUID_MAX - 3]


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


class FeishuMessenger:
    """The Feishu :class:`~bot.messenger.Messenger`, over the app's :class:`~bot.feishu.sdk.LarkClient`."""

    platform = "feishu"

    def __init__(
        self,
        client: LarkClient,
        *,
        max_attempts: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._sleep = sleep

    # -- the Messenger interface ----------------------------------------------------------------

    def send(self, message: Outbound) -> Delivery:
        if message.reply.file is not None:
            self.send_file(message)
            message = replace(message, reply=beside_file(message.reply))
        if message.reply.chart is not None:
            return self.send_chart(message)
        if message.target.kind == "member":
            return self.send_ephemeral(message)
        if message.target.kind == "channel" and message.target.thread:  # its uuid keeps a retry single
            return self.reply(message.target.thread, message.reply, key=message.key, in_thread=True)
        if (
            message.target.kind == "channel"
            and message.reply_handle
            and message.earlier_attempt_since is None
        ):
            return self.reply(message.reply_handle, message.reply, key=message.key)
        if message.target.kind == "channel":
            receive_id_type = "chat_id"
        elif message.target.kind == "user":
            receive_id_type = "open_id"
        else:
            raise DeliveryError(f"unknown target kind {message.target.kind!r}", permanent=True)
        body = (
            _im()
            .CreateMessageRequestBody.builder()
            .receive_id(message.target.id)
            .msg_type("interactive")
            .content(card_content(message.reply))
        )
        if message.key:
            body = body.uuid(message_uuid(message.key))
        request = (
            _im().CreateMessageRequest.builder().receive_id_type(receive_id_type).request_body(body.build())
        )
        response = self._call(lambda: self.client.im.v1.message.create(request.build()), message.target.label)
        return Delivery(message_id=_message_id(response))

    def send_ephemeral(self, message: Outbound) -> Delivery:
        """A card only ``message.target`` sees in its chat; their direct chat where Feishu cannot."""
        target = message.target
        body = {"chat_id": target.channel_id, "open_id": target.id, "msg_type": "interactive"}
        request = (
            BaseRequest.builder()
            .http_method(HttpMethod.POST)
            .uri(EPHEMERAL_URI)
            .token_types({AccessTokenType.TENANT})
            .body({**body, "card": render_card(message.reply)})
            .build()
        )
        try:
            response = self.client.request(request)
        except Exception as exc:  # transport errors: try again later, the same way
            raise DeliveryError(f"Feishu request for {target.label} failed: {type(exc).__name__}") from exc
        if response.success():
            return Delivery(message_id=_ephemeral_id(response.raw))
        status = response.raw.status_code if response.raw is not None else 0
        if status == 429 or status >= 500 or response.code in RATE_LIMIT_CODES:
            retry_after = _reset_seconds(response.raw.headers if response.raw is not None else None)
            raise DeliveryError(
                f"Feishu is busy for {target.label} (code {response.code})", retry_after=retry_after
            )
        log.info(
            "Feishu shows no card to %s alone (code %s); sending it to their chat",
            target.label,
            response.code,
        )
        direct = replace(message, target=Target.user(target.id, target.name), reply_handle=None)
        return self.send(direct)

    def send_file(self, message: Outbound) -> None:
        """The reply's file (an export) to the person's direct chat: uploaded (``im.v1.file.create``),
        then sent as a file message whose uuid comes from the message's key, so a retry within
        Feishu's hour of de-duplication does not show it twice."""
        file = message.reply.file
        assert file is not None
        target = message.target
        upload = _im().CreateFileRequestBody.builder().file_type("stream").file_name(file.name)
        request = (
            _im().CreateFileRequest.builder().request_body(upload.file(io.BytesIO(file.data)).build()).build()
        )
        uploaded = self._call(lambda: self.client.im.v1.file.create(request), f"file for {target.label}")
        person = target.kind in ("user", "member")
        body = (
            _im()
            .CreateMessageRequestBody.builder()
            .receive_id(target.id)
            .msg_type("file")
            .content(json.dumps({"file_key": uploaded.data.file_key}))
        )
        if message.key:
            body = body.uuid(message_uuid(f"{message.key}:file"))
        create = (
            _im()
            .CreateMessageRequest.builder()
            .receive_id_type("open_id" if person else "chat_id")
            .request_body(body.build())
            .build()
        )
        self._call(lambda: self.client.im.v1.message.create(create), target.label)

    def send_chart(self, message: Outbound) -> Delivery:
        """The chart uploaded as an image (``im.v1.image.create``), then a card showing it: as the
        answer to the request's message on a first attempt, else posted (a chart for one member
        of a group goes to their direct chat). The key's uuid keeps a retry from posting twice;
        an image uploaded twice is never shown twice."""
        chart = message.reply.chart
        assert chart is not None
        body = (
            _im().CreateImageRequestBody.builder().image_type("message").image(io.BytesIO(render_png(chart)))
        )
        request = _im().CreateImageRequest.builder().request_body(body.build()).build()
        where = message.target.label
        uploaded = self._call(lambda: self.client.im.v1.image.create(request), f"image for {where}")
        content = card_content(message.reply, image_key=uploaded.data.image_key)
        target = message.target
        if target.kind == "channel" and message.reply_handle and message.earlier_attempt_since is None:
            return self.reply(message.reply_handle, message.reply, key=message.key, content=content)
        receive_id_type = "chat_id" if target.kind == "channel" else "open_id"
        create = (
            _im()
            .CreateMessageRequestBody.builder()
            .receive_id(target.id)
            .msg_type("interactive")
            .content(content)
        )
        if message.key:
            create = create.uuid(message_uuid(message.key))
        built = (
            _im()
            .CreateMessageRequest.builder()
            .receive_id_type(receive_id_type)
            .request_body(create.build())
            .build()
        )
        response = self._call(lambda: self.client.im.v1.message.create(built), where)
        return Delivery(message_id=_message_id(response))

    # -- answering commands and button presses --------------------------------------------------

    def reply(
        self,
        message_id: str,
        reply: Reply,
        *,
        key: str | None = None,
        content: str | None = None,
        in_thread: bool = False,
    ) -> Delivery:
        """Answer the message ``message_id`` (in its chat) with ``reply`` as a card (``content``
        when it is rendered already); ``in_thread``: in the message's thread (Feishu's
        reply-in-thread), whatever the chat's mode."""
        content = content or card_content(reply)
        body = _im().ReplyMessageRequestBody.builder().msg_type("interactive").content(content)
        if in_thread:
            body = body.reply_in_thread(True)
        if key:
            body = body.uuid(message_uuid(key))
        request = (
            _im().ReplyMessageRequest.builder().message_id(message_id).request_body(body.build()).build()
        )
        response = self._call(lambda: self.client.im.v1.message.reply(request), f"reply to {message_id}")
        return Delivery(message_id=_message_id(response))

    def post(self, chat_id: str, reply: Reply, *, key: str | None = None) -> Delivery:
        """Post ``reply`` to the chat ``chat_id`` (used for direct chats, where replies do not thread)."""
        body = (
            _im()
            .CreateMessageRequestBody.builder()
            .receive_id(chat_id)
            .msg_type("interactive")
            .content(card_content(reply))
        )
        if key:
            body = body.uuid(message_uuid(key))
        request = (
            _im().CreateMessageRequest.builder().receive_id_type("chat_id").request_body(body.build()).build()
        )
        response = self._call(lambda: self.client.im.v1.message.create(request), f"chat {chat_id}")
        return Delivery(message_id=_message_id(response))

    def update(self, message_id: str, reply: Reply) -> None:
        """Replace the card of the bot's message ``message_id`` (``im.v1.message.patch``)."""
        body = _im().PatchMessageRequestBody.builder().content(card_content(reply)).build()
        request = _im().PatchMessageRequest.builder().message_id(message_id).request_body(body).build()
        self._call(lambda: self.client.im.v1.message.patch(request), f"update {message_id}")

    # -- the call, its retries and its errors ----------------------------------------------------

    def _call(self, do: Callable[[], Any], where: str) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = do()
            except Exception as exc:  # transport errors, unreadable answers, token failures
                detail = f"{type(exc).__name__}: {exc}"
                raise DeliveryError(f"Feishu request for {where} failed: {detail}") from exc
            if response.success():
                return response
            raw = response.raw
            status = raw.status_code if raw is not None else None
            code = response.code
            log_id = response.get_log_id()
            if status == 429 or code in RATE_LIMIT_CODES:
                wait = _reset_seconds(raw.headers if raw is not None else None)
                waits = self.max_attempts if not rate_limits_are_handed_back() else 1
                if attempt < waits and wait <= self.max_wait:
                    log.info("Feishu rate limit for %s (code %s); retrying in %.1fs", where, code, wait)
                    self._sleep(wait)
                    continue
                raise DeliveryError(
                    f"Feishu rate limit for {where} (code {code}) after {attempt} attempts",
                    retry_after=wait,
                    method=RATE_LIMITED_METHOD,
                )
            message = f"Feishu refused {where}: code {code} {response.msg or ''}".strip()
            permanent = code in PERMANENT_CODES or status in (403, 404)
            raise DeliveryError(f"{message} (HTTP {status}, log id {log_id})", permanent=permanent)


def _reset_seconds(headers: dict[str, str] | None) -> float:
    """Seconds until the rate-limit window resets (``x-ogw-ratelimit-reset``), 1 s if not said."""
    value = _header(headers, "x-ogw-ratelimit-reset")
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _ephemeral_id(raw: Any) -> str | None:
    try:
        return json.loads(raw.content)["data"]["message_id"]
    except Exception:
        return None


def _message_id(response: Any) -> str | None:
    data = getattr(response, "data", None)
    return getattr(data, "message_id", None)
