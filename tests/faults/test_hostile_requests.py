"""Hostile requests against the real HTTP server (uvicorn, Slack and Feishu routes mounted as
``coordbot serve`` mounts them): each is refused with the right status, nothing reaches the
database, no Web API / Open API call is made, and the server keeps answering ``/healthz``."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.server import MAX_BODY
from tests.faults.conftest import Stack, row_counts
from tests.feishu import events
from tests.slack.conftest import SIGNING_SECRET

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEEP = 100_000  # nesting levels: far past what a JSON parser may recurse into


@dataclass
class Case:
    name: str
    path: str
    body: bytes
    headers: dict[str, Any]
    status: int | tuple[int, ...]


def slack_signed(
    body: bytes | str, content_type: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    raw = body if isinstance(body, bytes) else body.encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def slack_cases(stack: Stack) -> list[Case]:
    path = "/slack/events"
    command = urlencode(stack.slack.command_body("add dev Hostile task")).encode()
    event = stack.slack.event_body(
        {"type": "app_mention", "user": "UALICE", "text": "<@UBOT> add dev X"}
    ).encode()
    now = int(time.time())
    nested_json = ('{"type": "event_callback", "event": ' + "[" * DEEP).encode()
    nested_payload = urlencode({"payload": '{"type": "block_actions", "actions": ' + "[" * DEEP}).encode()
    cases = [
        # authenticity and freshness: 401 before anything is parsed
        Case("unsigned command", path, command, {"Content-Type": FORM}, 401),
        Case("unsigned event", path, event, {"Content-Type": JSON}, 401),
        Case("wrong secret", path, command, slack_signed(command, FORM, secret="not-the-secret"), 401),
        Case("tampered body", path, command + b"&x=1", slack_signed(command, FORM), 401),
        Case("replayed, 6 min old", path, command, slack_signed(command, FORM, timestamp=now - 360), 401),
        Case("from the future", path, command, slack_signed(command, FORM, timestamp=now + 360), 401),
        Case(
            "timestamp not a number",
            path,
            command,
            {**slack_signed(command, FORM), "X-Slack-Request-Timestamp": "soon"},
            401,
        ),
        Case(
            "signature not hex",
            path,
            command,
            {**slack_signed(command, FORM), "X-Slack-Signature": "v0=zzzz"},
            401,
        ),
        Case(
            "signature not ascii",
            path,
            command,
            {**slack_signed(command, FORM), "X-Slack-Signature": "v0=\u00e9\u00e9".encode("latin-1")},
            401,
        ),
        Case("unsigned malformed json", path, b"{not json", {"Content-Type": JSON}, 401),
        Case("unsigned deep json", path, b"[" * DEEP, {"Content-Type": JSON}, 401),
        Case("unsigned not utf-8", path, b"\xff\xfe\xfd", {"Content-Type": FORM}, 401),
        Case("unsigned xml", path, b"<a/>", {"Content-Type": "text/xml"}, (401, 415)),
        # signed (the secret leaked, or Slack itself misbehaving) but unreadable
        Case("malformed json", path, b"{not json", slack_signed(b"{not json", JSON), 400),
        Case("json array", path, b"[1, 2]", slack_signed(b"[1, 2]", JSON), 400),
        Case("json string", path, b'"x"', slack_signed(b'"x"', JSON), 400),
        Case("deep json", path, nested_json, slack_signed(nested_json, JSON), 400),
        Case(
            "broken payload",
            path,
            b"payload=%7Bbroken",
            slack_signed(b"payload=%7Bbroken", FORM),
            400,
        ),
        Case("payload array", path, b"payload=%5B1%5D", slack_signed(b"payload=%5B1%5D", FORM), 400),
        Case("deep payload", path, nested_payload, slack_signed(nested_payload, FORM), 400),
        # slack_sdk's SignatureVerifier reads the body as UTF-8: one that is not cannot be authentic
        Case("not utf-8", path, b"\xff\xfe\xfd", slack_signed(b"\xff\xfe\xfd", FORM), 401),
        # content types Slack never sends
        Case("xml", path, b"<a/>", slack_signed(b"<a/>", "text/xml"), 415),
        Case("octet-stream", path, command, slack_signed(command, "application/octet-stream"), 415),
        Case(
            "multipart",
            path,
            command,
            slack_signed(command, "multipart/form-data; boundary=x"),
            415,
        ),
        Case("no content type", path, command, slack_signed(command, ""), 415),
    ]
    return cases


def feishu_cases() -> list[Case]:
    path = "/feishu/events"
    message = events.message_event("@_user_1 add dev Hostile task")
    raw, headers = events.signed(events.encrypt(message))
    bad_raw, bad_headers = events.signed(events.encrypt(message), bad=True)
    unsigned = {k: v for k, v in headers.items() if not k.startswith("X-Lark")}
    wrong_token, wrong_token_headers = events.signed(
        events.encrypt(events.message_event("@_user_1 add dev X", token="forged"))
    )
    wrong_key, wrong_key_headers = events.signed(
        events.encrypt(message, key="another-key"), key="another-key"
    )
    deep = b"[" * DEEP
    deep_event, deep_event_headers = events.signed(
        events.encrypt('{"schema": "2.0", "header": ' + "[" * 5000 + "]" * 5000 + "}")
    )
    cases = [
        Case("unsigned", path, raw, unsigned, 401),
        Case("bad signature", path, bad_raw, bad_headers, 401),
        Case("wrong verification token", path, wrong_token, wrong_token_headers, 401),
        Case("wrong encrypt key", path, wrong_key, wrong_key_headers, 400),
        Case(
            "not encrypted, no token", path, json.dumps({"event": {}}).encode(), {"Content-Type": JSON}, 401
        ),
        Case("malformed json", path, b"{not json", {"Content-Type": JSON}, 400),
        Case("json array", path, b"[1, 2]", {"Content-Type": JSON}, 400),
        Case("deep json", path, deep, {"Content-Type": JSON}, 400),
        Case("deep json inside the envelope", path, deep_event, deep_event_headers, (400, 401)),
        Case("encrypted garbage", path, b'{"encrypt": "AAAA"}', {"Content-Type": JSON}, 400),
        Case("encrypt not a string", path, b'{"encrypt": {"a": 1}}', {"Content-Type": JSON}, 400),
        Case("not utf-8", path, b"\xff\xfe\xfd", {"Content-Type": JSON}, 400),
        Case("xml", path, b"<a/>", {"Content-Type": "text/xml"}, 415),
        Case("form", path, raw, {**headers, "Content-Type": FORM}, 415),
    ]
    return cases


def run_cases(stack: Stack, cases: list[Case]) -> list[str]:
    wrong = []
    for case in cases:
        try:
            response = stack.http.post(stack.url + case.path, content=case.body, headers=case.headers)
            status: int | str = response.status_code
        except httpx.HTTPError as exc:
            status = f"{type(exc).__name__}"
        allowed = case.status if isinstance(case.status, tuple) else (case.status,)
        if status not in allowed:
            wrong.append(f"{case.name}: got {status}, want {case.status}")
    return wrong


@pytest.fixture
def quiet_fakes(sqlite_stack: Stack) -> Iterator[Callable[[], list[str]]]:
    """What the app asked of the platforms' APIs while the hostile requests ran (nothing, we hope)."""
    stack = sqlite_stack
    stack.slack_fake.clear()
    before = len(stack.feishu_fake.calls)

    def calls() -> list[str]:
        slack = [c.method for c in stack.slack_fake.calls]
        feishu = [f"{c.method} {c.path}" for c in stack.feishu_fake.calls[before:]]
        return slack + feishu

    yield calls


def test_slack_hostile_requests_are_refused(sqlite_stack: Stack, quiet_fakes) -> None:  # type: ignore[no-untyped-def]
    stack = sqlite_stack
    before = row_counts(stack.db)
    wrong = run_cases(stack, slack_cases(stack))
    assert wrong == [], "\n".join(wrong)
    assert row_counts(stack.db) == before
    assert [m for m in quiet_fakes() if m != "auth.test"] == []
    assert stack.healthz() == 200


def test_feishu_hostile_requests_are_refused(sqlite_stack: Stack, quiet_fakes) -> None:  # type: ignore[no-untyped-def]
    stack = sqlite_stack
    before = row_counts(stack.db)
    wrong = run_cases(stack, feishu_cases())
    assert wrong == [], "\n".join(wrong)
    assert row_counts(stack.db) == before
    assert quiet_fakes() == []
    assert stack.healthz() == 200


# -- size ------------------------------------------------------------------------------------------


def _raw_request(stack: Stack, head: bytes, body: bytes, *, timeout: float = 10.0) -> bytes:
    """Send ``head`` + ``body`` on a fresh socket; return what the server answered (until it closes)."""
    with socket.create_connection(("127.0.0.1", stack.server.port), timeout=timeout) as sock:
        sock.sendall(head + body)
        answer = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            answer += chunk
            if b"\r\n\r\n" in answer and b'"}' in answer:
                break
        return answer


@pytest.mark.parametrize("path", ["/slack/events", "/feishu/events", "/healthz", "/nowhere"])
def test_oversized_bodies_get_413_before_they_are_read(sqlite_stack: Stack, path: str) -> None:
    stack = sqlite_stack
    before = row_counts(stack.db)
    megabyte = b"a=" + b"x" * (1024 * 1024)
    content_type = FORM if path == "/slack/events" else JSON
    headers = {"Content-Type": content_type}
    if path == "/slack/events":
        headers.update(slack_signed(megabyte, FORM))
    # declared length over the limit
    response = stack.http.post(stack.url + path, content=megabyte, headers=headers)
    assert response.status_code == 413

    # streamed (chunked, no Content-Length): refused once it passes the limit
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(megabyte), 64 * 1024):
            yield megabyte[start : start + 64 * 1024]

    try:
        status: int | str = stack.http.post(stack.url + path, content=chunks(), headers=headers).status_code
    except httpx.HTTPError as exc:  # the server may close while the client still writes
        status = type(exc).__name__
    assert status in (413, "WriteError", "RemoteProtocolError", "ReadError"), status

    # a declared 50 MB of which only a little ever comes: answered at once, not waited for
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = _raw_request(stack, head, b"x" * 1000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5  # not waiting for the 50 MB (the client would give up at 10 s)
    assert row_counts(stack.db) == before
    assert stack.healthz() == 200


def test_a_body_at_the_limit_is_still_handled(sqlite_stack: Stack) -> None:
    """The limit refuses what is over it, nothing under: a padded but valid Feishu delivery works."""
    stack = sqlite_stack
    payload = events.url_verification("under-the-limit")
    raw = json.dumps(payload).encode()
    raw = raw[:-1] + b"," + b'"pad": "' + b"p" * (MAX_BODY - len(raw) - 12) + b'"}'
    assert len(raw) <= MAX_BODY
    response = stack.feishu_post(raw, {"Content-Type": JSON})
    assert response.status_code == 200, response.text
    assert response.json() == {"challenge": "under-the-limit"}


# -- replays ---------------------------------------------------------------------------------------


def test_a_replayed_slack_command_runs_once(stack: Stack) -> None:
    """An exact replay inside Slack's 5-minute window is de-duplicated; outside it is refused."""
    body = urlencode(stack.slack.command_body("add dev Replayed task"))
    headers = slack_signed(body, FORM)
    url = stack.url + "/slack/events"
    assert stack.http.post(url, content=body, headers=headers).status_code == 200
    stack.slack_fake.wait_for("response_url")
    before = row_counts(stack.db)
    for _ in range(3):
        assert stack.http.post(url, content=body, headers=headers).status_code == 200
    stale = slack_signed(body, FORM, timestamp=int(time.time()) - 301)
    assert stack.http.post(url, content=body, headers=stale).status_code == 401
    _drain(stack)
    assert row_counts(stack.db) == before
    assert len(stack.slack_fake.calls_to("response_url")) == 1
    with stack.db.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from tasks").scalar_one() == 1


def test_a_replayed_feishu_delivery_runs_once(stack: Stack) -> None:
    """Feishu signs without a freshness window; an exact replay is caught by its event and message ids."""
    message = events.message_event("@_user_1 add dev Replayed task")
    raw, headers = events.signed(events.encrypt(message))
    assert stack.feishu_post(raw, headers).status_code == 200
    stack.feishu_fake.wait_for(lambda: stack.feishu_fake.calls_to("POST", "/reply"))
    before = row_counts(stack.db)
    for _ in range(3):
        assert stack.feishu_post(raw, headers).status_code == 200
    _drain(stack)
    assert row_counts(stack.db) == before
    assert len(stack.feishu_fake.calls_to("POST", "/reply")) == 1


def _drain(stack: Stack) -> None:
    """Let background work the replays could have started finish (bounded)."""
    for pool in (stack.feishu_runtime.listeners.pipeline.work, stack.slack_runtime.pipeline.work):
        assert pool is not None and pool.wait_idle(10)  # type: ignore[attr-defined]


def test_the_server_survives_a_burst_of_garbage(sqlite_stack: Stack) -> None:
    """Many bad requests at once, on many connections: all refused, the server still answers."""
    stack = sqlite_stack
    from concurrent.futures import ThreadPoolExecutor

    cases = [*slack_cases(stack), *feishu_cases()]
    before = row_counts(stack.db)

    def fire(case: Case) -> int | str:
        try:
            with httpx.Client(timeout=15) as http:
                return http.post(stack.url + case.path, content=case.body, headers=case.headers).status_code
        except httpx.HTTPError as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(fire, cases))
    assert all(isinstance(s, int) and 400 <= s < 500 for s in statuses), statuses
    assert row_counts(stack.db) == before
    assert stack.healthz() == 200
