"""Feishu deliveries built exactly as Feishu sends them: schema 2.0 events, encryption, signatures."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import secrets
from typing import Any

from Crypto.Cipher import AES

TENANT = "tenant_acme"
APP_ID = "cli_app_test"
VERIFICATION_TOKEN = "v-token-123"
ENCRYPT_KEY = "encrypt-key-456"
BOT_OPEN_ID = "ou_bot"
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}{secrets.token_hex(4)}"


def header(
    event_type: str, *, token: str = VERIFICATION_TOKEN, tenant: str = TENANT, event_id: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": event_id or new_id("ev_"),
        "event_type": event_type,
        "create_time": "1764061200000",
        "token": token,
        "app_id": APP_ID,
        "tenant_key": tenant,
    }


def mention(n: int, open_id: str, name: str, *, bot: bool = False, tenant: str = TENANT) -> dict[str, Any]:
    ids: dict[str, Any] = {"open_id": open_id, "union_id": "on_" + open_id[3:]}
    if not bot:
        ids["user_id"] = "u_" + open_id[3:]
    return {
        "key": f"@_user_{n}",
        "id": ids,
        "name": name,
        "tenant_key": tenant,
        "mentioned_type": "bot" if bot else "user",
    }


BOT_MENTION = mention(1, BOT_OPEN_ID, "coordbot", bot=True)


def message_event(
    text: str | None,
    *,
    sender: str = "ou_alice",
    chat_id: str = "oc_group",
    chat_type: str = "group",
    mentions: list[dict[str, Any]] | None = None,
    message_id: str | None = None,
    event_id: str | None = None,
    message_type: str = "text",
    content: str | None = None,
    token: str = VERIFICATION_TOKEN,
    tenant: str = TENANT,
    parent_id: str = "",
    root_id: str = "",
    thread_id: str = "",
) -> dict[str, Any]:
    """An ``im.message.receive_v1`` event; in groups the bot is mentioned first unless told. A
    reply names the message it answers (``parent_id``) and its thread's first (``root_id``); one
    in a topic (话题: a reply in thread, or any message of a topic group) also has the topic's
    ``thread_id`` (``omt_…``), a field Feishu leaves out for other messages."""
    if mentions is None:
        mentions = [BOT_MENTION] if chat_type == "group" else []
    if content is None:
        content = json.dumps({"text": text}, ensure_ascii=False)
    return {
        "schema": "2.0",
        "header": header("im.message.receive_v1", token=token, tenant=tenant, event_id=event_id),
        "event": {
            "sender": {
                "sender_id": {
                    "union_id": "on_" + sender[3:],
                    "user_id": "u_" + sender[3:],
                    "open_id": sender,
                },
                "sender_type": "user",
                "tenant_key": tenant,
            },
            "message": {
                "message_id": message_id or new_id("om_"),
                "root_id": root_id,
                "parent_id": parent_id,
                "create_time": "1764061200000",
                "update_time": "1764061200000",
                "chat_id": chat_id,
                "chat_type": chat_type,
                "message_type": message_type,
                "content": content,
                "mentions": mentions,
                "user_agent": "Mozilla/5.0 Lark/7.0",
                **({"thread_id": thread_id} if thread_id else {}),
            },
        },
    }


def card_action_event(
    action: str,
    value: str,
    *,
    operator: str = "ou_alice",
    in_place: bool = True,
    message_id: str = "om_card",
    chat_id: str = "oc_group",
    event_id: str | None = None,
    token: str = VERIFICATION_TOKEN,
    tenant: str = TENANT,
    extra_value: dict[str, Any] | None = None,
    form_value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``card.action.trigger`` callback for a button whose callback value we rendered; with
    ``form_value``, the submit button of a card form (its inputs' values by name)."""
    button_value: dict[str, Any] = {"action": action, "value": value}
    if in_place:
        button_value["in_place"] = True
    button_value.update(extra_value or {})
    pressed: dict[str, Any] = {"value": button_value, "tag": "button"}
    if form_value is not None:
        pressed.update(form_value=form_value, name="submit")
    return {
        "schema": "2.0",
        "header": header("card.action.trigger", token=token, tenant=tenant, event_id=event_id),
        "event": {
            "operator": {
                "tenant_key": tenant,
                "user_id": "u_" + operator[3:],
                "open_id": operator,
                "union_id": "on_" + operator[3:],
            },
            "token": "c-" + secrets.token_hex(8),
            "action": pressed,
            "host": "im_message",
            "context": {"open_message_id": message_id, "open_chat_id": chat_id},
        },
    }


def url_verification(challenge: str = "ch-1", *, token: str = VERIFICATION_TOKEN) -> dict[str, Any]:
    return {"challenge": challenge, "token": token, "type": "url_verification"}


def encrypt(payload: dict[str, Any] | str, key: str = ENCRYPT_KEY) -> dict[str, str]:
    """The ``{"encrypt": …}`` envelope: AES-256-CBC, key sha256(key), random IV first, base64."""
    plaintext = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    data = plaintext.encode("utf-8")
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    iv = os.urandom(16)
    cipher = AES.new(hashlib.sha256(key.encode("utf-8")).digest(), AES.MODE_CBC, iv)
    return {"encrypt": base64.b64encode(iv + cipher.encrypt(data)).decode("ascii")}


def signed(
    body: dict[str, Any], key: str = ENCRYPT_KEY, *, bad: bool = False
) -> tuple[bytes, dict[str, str]]:
    """The raw body and Feishu's request headers for it, with a correct (or a wrong) signature."""
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    timestamp = "1764061200"
    nonce = secrets.token_hex(8)
    digest = hashlib.sha256((timestamp + nonce + key).encode("utf-8") + raw).hexdigest()
    if bad:
        digest = hashlib.sha256(b"tampered" + raw).hexdigest()
    return raw, {
        "Content-Type": "application/json; charset=utf-8",
        "X-Lark-Request-Timestamp": timestamp,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": digest,
        "X-Request-Id": new_id("req_"),
    }
