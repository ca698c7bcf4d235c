"""A hypothesis pass over everything that reads what users and platforms send: the command
grammar, the Slack and Feishu payload readers, and the HTTP routes with signed bodies.

About 12,900 cases — 10,000 command lines, 1,500 Feishu messages, 1,000 Slack payload fragments,
200 Feishu events through the runtime, 100 Slack and 60 Feishu requests through the ASGI app —
derandomized (the same cases every run, so CI is stable); ten times as many with
``COORDBOT_SOAK=1``. The cheap ones come ten or five to a hypothesis example: per example,
hypothesis itself costs more than parsing a line. The property is
always the same: no unhandled exception — the parser answers a command or a UsageError whose
message renders in both languages; the routes answer 2xx/4xx, never 5xx, and nothing behind
them logs an exception.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import string
import time
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltContext
from starlette.testclient import TestClient

from bot.feishu.runtime import FeishuRuntime
from bot.feishu.text import BotIdentity, Mention, read_message, translate
from bot.slack import blocks, listeners, modal
from handlers import grammar as g
from handlers.core import ACTIONS, HANDLERS, Coordinator
from tests.faults.conftest import FEISHU_ME, SOAK, Stack, settle
from tests.feishu import events
from tests.slack.conftest import sign
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID

SCALE = 10 if SOAK else 1  # COORDBOT_SOAK=1: ten times the cases
FUZZ = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
}
TODAY = date(2026, 11, 25)

# -- strategies -----------------------------------------------------------------------------------

WORDS = [
    *g.VERBS, "/coord", "coord", "dev", "design", "marketing", "ops", "研发", "设计", "市场", "运营", "qa",
    "for", "给", "属于", "due", "截止", "!high", "!urgent", "!高", "at", "在", "here", "这里", "off", "now",
    "lead", "channel", "members", "timezone", "language", "workdays", "checkin", "nudge", "offsets",
    "escalate", "mine", "overdue", "blocked", "all", "none", "new", "rename", "add", "list", "item",
    "#12", "#0", "#1", "#999999999", "#1234567890", "12", "-3", "0", "+3d", "-2d", "2h", "1w", "3d", "90d",
    "tomorrow", "today", "yesterday", "fri", "next", "week", "明天", "下周五", "12月15日", "2月30日",
    "2026-12-15", "2026-02-30", "9999-12-31", "0001-01-01", "10:00", "25:61", "9:5", "mon-fri", "sat,sun",
    "UTC", "Asia/Shanghai", "Not/AZone", "../../etc/passwd", "en", "zh", "klingon", "-14,-7,0,7", "2", "4",
    "v2.3", "<@U123|alice>", "<@U123>", "<@>", "<@U1|<b>>", "<#C1|launch>", "<#C1>", "<!here>", "@bob",
    "@", "#launch-v2", "#", '"quoted title"', '"', "“中文”", "「括号」", "<", ">", "|", "\u200b", "\u202e",
    "ｆｕｌｌ", "🚀", "\x00", "\t", "\n", "%s", "{0}", "{key}", "'; drop table tasks; --",
]  # fmt: skip
junk = st.text(max_size=24)
prefix = st.sampled_from(["", "", "/coord ", "coord ", "  /coord  ", "/COORD "])
# A run of words drawn as one string whose characters index WORDS: hypothesis draws text natively,
# far cheaper than a list of sampled words (and it still shrinks, character by character).
_CODES = "".join(chr(0xE000 + n) for n in range(len(WORDS)))
words = st.text(alphabet=_CODES, max_size=8).map(lambda codes: [WORDS[ord(c) - 0xE000] for c in codes])


def _sentence(pre: str, verb: str, args: list[str], extra: str, at: int) -> str:
    args = [*args[:at], extra, *args[at:]] if extra else args
    return pre + " ".join([verb, *args])


command_text = st.one_of(
    # a verb and arguments, most of the time (that is where the parsing is), with a stray token
    st.builds(_sentence, prefix, st.sampled_from(sorted(g.VERBS)), words, junk, st.integers(0, 8)),
    st.builds(_sentence, prefix, st.sampled_from(sorted(g.VERBS)), words, st.just(""), st.just(0)),
    # a verb, a task number and whatever follows
    st.builds(
        lambda pre, verb, n, args: f"{pre}{verb} #{n} " + " ".join(args),
        prefix,
        st.sampled_from(sorted(g.VERBS)),
        st.integers(-1, 10**10),
        words,
    ),
    words.map(" ".join),
    st.text(max_size=60),
    st.builds(lambda w, n: f"add dev {w * n}", st.sampled_from(["x", "字", "ab "]), st.integers(0, 2100)),
)
todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), junk
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(junk, inner, max_size=4)),
    max_leaves=12,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or null (platforms leave out what does not apply); never another JSON type —
    the payloads are signed by the platform, which keeps to its schema."""
    return st.one_of(strategy, strategy, strategy, st.none())


# -- the command grammar --------------------------------------------------------------------------


PARSER_BATCH = 10  # inputs per hypothesis example (the per-example overhead dominates otherwise)


@settings(max_examples=1_000 * SCALE, **FUZZ)
@given(texts=st.lists(command_text, min_size=PARSER_BATCH, max_size=PARSER_BATCH), today=todays)
def test_the_parser_answers_a_command_or_a_usage_error(texts: list[str], today: date) -> None:
    """10,000 command lines: each parses to a command, or to a UsageError that renders."""
    for text in texts:
        try:
            command = g.parse(text, today)
        except g.UsageError as error:
            for lang in ("en", "zh"):
                reply = Coordinator._error_reply(lang, error)  # what the user is shown
                assert reply.headline and reply.headline != error.key, (lang, error.key, error.params)
            continue
        assert type(command) in HANDLERS or isinstance(command, g.Help), command
        if isinstance(command, g.AddTask):
            assert 0 < len(command.title) <= g.MAX_TITLE
        if isinstance(command, g.BlockTask):
            assert 0 < len(command.reason) <= g.MAX_REASON


# -- payload readers (no HTTP) --------------------------------------------------------------------

feishu_mention = st.fixed_dictionaries(
    {
        "key": maybe(st.sampled_from(["@_user_1", "@_user_2", "@_user_3", "@_all", "", "@_user_x"])),
        "id": maybe(st.fixed_dictionaries({"open_id": maybe(st.sampled_from(["ou_bot", "ou_bob", ""]))})),
        "name": maybe(junk),
        "mentioned_type": maybe(st.sampled_from(["bot", "user"])),
    }
)
feishu_content = st.one_of(
    command_text.map(lambda text: json.dumps({"text": text}, ensure_ascii=False)),
    st.lists(
        st.lists(
            st.fixed_dictionaries(
                {"tag": maybe(st.sampled_from(["text", "a", "at", "img"])), "text": maybe(junk)}
            ),
            max_size=4,
        ),
        max_size=3,
    ).map(lambda paragraphs: json.dumps({"zh_cn": {"title": "t", "content": paragraphs}})),
    json_value.map(json.dumps),
    st.text(max_size=60),
    st.none(),
)


feishu_message_parts = st.tuples(
    st.sampled_from(["text", "post", "image", "file", "sticker", "", "interactive"]),
    feishu_content,
    st.lists(feishu_mention, max_size=4),
    st.sampled_from([FEISHU_ME, BotIdentity(), BotIdentity(app_name="coordbot")]),
    st.booleans(),
)


@settings(max_examples=300 * SCALE, **FUZZ)
@given(cases=st.lists(feishu_message_parts, min_size=5, max_size=5))
def test_feishu_message_text_and_mentions(
    cases: list[tuple[str, str | None, list[Any], BotIdentity, bool]],
) -> None:
    """1,500 received messages: their text, their mentions rewritten, the result parsed."""
    for message_type, content, mentions, identity, group in cases:
        people = [Mention.from_event(raw) for raw in mentions]
        read = read_message(message_type, content, people)
        assert read is None or isinstance(read.text, str)
        text, people = (read.text, list(read.mentions)) if read is not None else ("", people)
        translated = translate(text, people, identity, leading_is_bot=lambda group=group: group)
        assert isinstance(translated.text, str)
        with contextlib.suppress(g.UsageError):
            g.parse(translated.text, TODAY)


slack_ids = st.builds(
    str.__add__,
    st.sampled_from("UW"),
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=11),
)
slack_view_values = st.fixed_dictionaries(
    {},
    optional={
        name: st.fixed_dictionaries(
            {
                "value": maybe(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "selected_option": maybe(st.fixed_dictionaries({"value": maybe(junk)})),
                            "value": maybe(junk),
                            "selected_user": maybe(slack_ids),
                            "selected_date": maybe(st.sampled_from(["2026-12-15", "2026-02-30", "", "soon"])),
                        },
                    )
                )
            }
        )
        for name in modal.FIELDS
    },
)


slack_payload_parts = st.tuples(
    command_text,
    st.one_of(st.sampled_from(sorted(ACTIONS)).map(lambda a: f"{a}:7"), junk),
    st.one_of(st.none(), junk, st.integers(0, 10**12).map("task:{}:x".format)),
    slack_view_values,
    st.one_of(junk, json_value.map(json.dumps)),
    st.fixed_dictionaries(
        {},
        optional={
            "team": maybe(st.fixed_dictionaries({}, optional={"id": maybe(junk), "domain": maybe(junk)})),
            "team_id": maybe(junk),
            "user": maybe(st.fixed_dictionaries({}, optional={"id": slack_ids, "team_id": maybe(junk)})),
        },
    ),
)


@settings(max_examples=200 * SCALE, **FUZZ)
@given(cases=st.lists(slack_payload_parts, min_size=5, max_size=5))
def test_slack_payload_readers(cases: list[tuple[str, str, str | None, dict, str, dict]]) -> None:
    """1,000 payload fragments through the Slack adapter's readers (form, buttons, team, text)."""
    for text, action_id, block_id, values, metadata, body in cases:
        modal.is_bare_add(text)
        assert isinstance(blocks.core_action(action_id), str)
        blocks.task_of_block(block_id)
        form = modal.read_submission({"state": {"values": values}})
        assert isinstance(form.title, str) and isinstance(form.department, str)
        assert isinstance(modal.metadata_of({"private_metadata": metadata}), dict)
        assert isinstance(listeners.team_id_of(body, BoltContext()), str)


# -- Feishu events through the runtime (signed, encrypted; no HTTP) -------------------------------


@pytest.fixture
def feishu_runtime(sqlite_stack: Stack) -> FeishuRuntime:
    return sqlite_stack.feishu_runtime


_ids = itertools.count(1)
feishu_message = st.builds(
    lambda text, sender, chat_type, message_type, content, mentions: events.message_event(
        text,
        sender=sender,
        chat_type=chat_type,
        message_type=message_type,
        content=content,
        mentions=mentions,
        message_id=f"om_fuzz_{next(_ids)}",
        event_id=f"ev_fuzz_{next(_ids)}",
    ),
    text=command_text.map(lambda t: "@_user_1 " + t),
    sender=st.one_of(
        st.sampled_from(["ou_alice", "ou_bob"]),
        st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=20).map("ou_".__add__),
    ),
    chat_type=st.sampled_from(["group", "p2p", "topic", ""]),
    message_type=st.sampled_from(["text", "text", "post", "image"]),
    content=st.one_of(st.none(), st.none(), feishu_content),
    mentions=st.one_of(st.none(), st.lists(feishu_mention, max_size=3)),
)
feishu_card_action = st.builds(
    lambda action, value, in_place, extra: events.card_action_event(
        action, value, in_place=in_place, extra_value=extra, event_id=f"ev_fuzz_{next(_ids)}"
    ),
    action=st.one_of(st.sampled_from(sorted(ACTIONS)), junk),
    value=st.one_of(st.integers(-5, 10**12).map(str), junk),
    in_place=st.booleans(),
    extra=st.dictionaries(st.sampled_from(["action", "value", "in_place"]), json_value, max_size=2),
)


@settings(max_examples=200 * SCALE, **FUZZ)
@given(payload=st.one_of(feishu_message, feishu_card_action), encrypt=st.booleans())
def test_feishu_events_through_the_runtime(
    feishu_runtime: FeishuRuntime, errors: list[logging.LogRecord], payload: dict, encrypt: bool
) -> None:
    errors.clear()
    body = events.encrypt(payload) if encrypt else payload
    raw, headers = events.signed(body)
    answer = feishu_runtime.handle_http(raw, headers)
    assert answer.status == 200, (answer.status, answer.body)
    assert _describe(errors) == []


# -- the HTTP routes, in process (ASGI), with signed bodies and the real core -----------------------


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    """Records of exceptions logged anywhere while a test runs (an unhandled error, caught late)."""
    found: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info or record.levelno >= logging.ERROR:
                found.append(record)

    handler = Collect(level=logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield found
    finally:
        root.removeHandler(handler)


def _describe(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.name}: {r.getMessage()[:200]}" for r in records]


_triggers = itertools.count(1)


def slack_command(stack: Stack, text: str, user: str, channel_name: str, user_name: str) -> tuple[str, str]:
    trigger = f"{next(_triggers)}.{int(time.time())}.fuzz"
    body = {
        "token": "x",
        "team_id": TEAM_ID,
        "team_domain": "acme",
        "channel_id": "CFUZZ",
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name,
        "command": "/coord",
        "text": text,
        "api_app_id": "A1",
        "response_url": stack.slack_fake.response_url(trigger),
        "trigger_id": trigger,
    }
    return urlencode(body), "application/x-www-form-urlencoded"


def slack_button(stack: Stack, action_id: str, value: str, user: str) -> tuple[str, str]:
    trigger = f"{next(_triggers)}.{int(time.time())}.fuzz"
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
        "team": {"id": TEAM_ID, "domain": "acme"},
        "trigger_id": trigger,
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "CFUZZ"},
        "channel": {"id": "CFUZZ", "name": "fuzz"},
        "response_url": stack.slack_fake.response_url(trigger),
        "actions": [{"action_id": action_id, "value": value, "type": "button", "action_ts": "1"}],
    }
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def slack_event(stack: Stack, text: str, user: str, kind: str) -> tuple[str, str]:
    event: dict[str, Any] = {"type": kind, "user": user, "text": text, "channel": "CFUZZ", "ts": "1.2"}
    if kind == "message":
        event.update(channel="DFUZZ", channel_type="im")
    else:
        event["text"] = f"<@{BOT_USER_ID}> {text}"
    body = {
        "token": "x",
        "team_id": TEAM_ID,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_triggers)}",
        "event_time": 1,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    return json.dumps(body), "application/json"


def slack_form(stack: Stack, values: dict, user: str) -> tuple[str, str]:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "username": "someone", "team_id": TEAM_ID},
        "trigger_id": f"{next(_triggers)}.{int(time.time())}.fuzz",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": modal.CALLBACK_ID,
            "private_metadata": "{}",
            "blocks": [{"type": "input", "block_id": name} for name in modal.FIELDS],
            "state": {"values": values},
        },
    }
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


printable_name = st.text(alphabet=string.ascii_letters + string.digits + "-_. 中文|<>@#", max_size=30)
slack_request = st.one_of(
    st.tuples(st.just("command"), command_text, slack_ids, printable_name, printable_name),
    st.tuples(
        st.just("button"),
        st.one_of(st.sampled_from(sorted(ACTIONS)).map(lambda a: f"{a}:x"), st.sampled_from(sorted(ACTIONS))),
        st.one_of(st.integers(-3, 10**10).map(str), junk),
        slack_ids,
    ),
    st.tuples(st.just("event"), command_text, slack_ids, st.sampled_from(["app_mention", "message"])),
    st.tuples(st.just("form"), slack_view_values, slack_ids),
)


@pytest.fixture
def asgi(sqlite_stack: Stack) -> Iterator[TestClient]:
    with TestClient(sqlite_stack.app) as client:
        yield client


@settings(max_examples=100 * SCALE, **FUZZ)
@given(request=slack_request)
def test_slack_route_with_signed_requests(
    sqlite_stack: Stack, asgi: TestClient, errors: list[logging.LogRecord], request: tuple
) -> None:
    errors.clear()
    stack = sqlite_stack
    kind, *args = request
    builder = {"command": slack_command, "button": slack_button, "event": slack_event, "form": slack_form}[
        kind
    ]
    body, content_type = builder(stack, *args)
    response = asgi.post("/slack/events", content=body, headers={"Content-Type": content_type, **sign(body)})
    assert response.status_code in (200, 404), (response.status_code, response.text[:300])
    settle(stack)
    assert _describe(errors) == []


@settings(max_examples=60 * SCALE, **FUZZ)
@given(payload=st.one_of(feishu_message, feishu_card_action))
def test_feishu_route_with_signed_requests(
    sqlite_stack: Stack, asgi: TestClient, errors: list[logging.LogRecord], payload: dict
) -> None:
    errors.clear()
    stack = sqlite_stack
    raw, headers = events.signed(events.encrypt(payload))
    response = asgi.post("/feishu/events", content=raw, headers=headers)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    settle(stack)
    assert _describe(errors) == []
