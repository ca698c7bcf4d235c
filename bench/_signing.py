"""Requests built and signed exactly as Slack and Feishu send them, for the HTTP benchmarks.

Slack: ``application/x-www-form-urlencoded`` slash-command bodies signed with v0 HMAC-SHA256
(``X-Slack-Signature`` over ``v0:<timestamp>:<body>``). Feishu: schema 2.0
``im.message.receive_v1`` events in the ``{"encrypt": …}`` envelope (AES-256-CBC, key
``sha256(encrypt_key)``) with ``X-Lark-Signature`` = ``sha256(timestamp + nonce + key + body)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from Crypto.Cipher import AES  # pycryptodome, a lark-oapi dependency

SLACK_SIGNING_SECRET = "bench-signing-secret-8f742231b10e"
SLACK_BOT_TOKEN = "xoxb-bench-token"
SLACK_TEAM = "T0TEAM"  # tests.slack.fake_slack.TEAM_ID
FEISHU_APP_ID = "cli_bench_app"
FEISHU_APP_SECRET = "bench-app-secret"
FEISHU_VERIFICATION_TOKEN = "bench-v-token"
FEISHU_ENCRYPT_KEY = "bench-encrypt-key"
FEISHU_TENANT = "tenant_bench"
USERS = 20  # distinct people sending commands (Slack users U0BENCH00…, Feishu ou_bench00…)

_ids = itertools.count(1)


def slack_user(n: int) -> str:
    return f"U0BENCH{n % USERS:02d}"


def feishu_user(n: int) -> str:
    return f"ou_bench{n % USERS:02d}"


def slack_headers(
    body: bytes, secret: str = SLACK_SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def slash_command(text: str, n: int, response_base: str, secret: str = SLACK_SIGNING_SECRET):
    """One signed ``/coord`` request: (body, headers); the trigger id is unique per call."""
    trigger = f"{int(time.time())}.{next(_ids):09d}.{secrets.token_hex(4)}"
    user = slack_user(n)
    fields = {
        "token": "bench-legacy-token",
        "team_id": SLACK_TEAM,
        "team_domain": "acme",
        "channel_id": "CBENCH",
        "channel_name": "launch-bench",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/coord",
        "text": text,
        "api_app_id": "ABENCH",
        "is_enterprise_install": "false",
        "response_url": f"{response_base.rstrip('/')}/respond/{trigger}",
        "trigger_id": trigger,
    }
    body = urlencode(fields).encode()
    return body, slack_headers(body, secret)


def feishu_encrypt(payload: dict[str, Any], key: str = FEISHU_ENCRYPT_KEY) -> dict[str, str]:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    iv = os.urandom(16)
    cipher = AES.new(hashlib.sha256(key.encode("utf-8")).digest(), AES.MODE_CBC, iv)
    return {"encrypt": base64.b64encode(iv + cipher.encrypt(data)).decode("ascii")}


def feishu_message(text: str, n: int) -> dict[str, Any]:
    """A direct (p2p) ``im.message.receive_v1`` event with unique event and message ids."""
    unique = f"{next(_ids):09d}{secrets.token_hex(4)}"
    sender = feishu_user(n)
    return {
        "schema": "2.0",
        "header": {
            "event_id": f"ev_bench_{unique}",
            "event_type": "im.message.receive_v1",
            "create_time": str(int(time.time() * 1000)),
            "token": FEISHU_VERIFICATION_TOKEN,
            "app_id": FEISHU_APP_ID,
            "tenant_key": FEISHU_TENANT,
        },
        "event": {
            "sender": {
                "sender_id": {
                    "union_id": "on_" + sender[3:],
                    "user_id": "u_" + sender[3:],
                    "open_id": sender,
                },
                "sender_type": "user",
                "tenant_key": FEISHU_TENANT,
            },
            "message": {
                "message_id": f"om_bench_{unique}",
                "root_id": "",
                "parent_id": "",
                "create_time": str(int(time.time() * 1000)),
                "update_time": str(int(time.time() * 1000)),
                "chat_id": f"oc_p2p_{sender}",
                "chat_type": "p2p",
                "message_type": "text",
                "content": json.dumps({"text": text}, ensure_ascii=False),
                "mentions": [],
            },
        },
    }


def feishu_request(text: str, n: int, key: str = FEISHU_ENCRYPT_KEY) -> tuple[bytes, dict[str, str]]:
    """One encrypted, signed Feishu event delivery: (body, headers)."""
    body = json.dumps(feishu_encrypt(feishu_message(text, n), key)).encode("utf-8")
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(8)
    digest = hashlib.sha256((timestamp + nonce + key).encode("utf-8") + body).hexdigest()
    return body, {
        "Content-Type": "application/json; charset=utf-8",
        "X-Lark-Request-Timestamp": timestamp,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": digest,
        "X-Request-Id": f"req_bench_{next(_ids)}",
    }
