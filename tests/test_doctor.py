"""``coordbot doctor`` against the Slack and Feishu fakes: a good configuration, and broken ones.

Each check is one line (``ok`` or ``FAIL`` with how to fix it); the exit status says whether all
passed; no secret ever appears in the output.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.doctor import run_doctor
from bot.settings import Settings
from storage import notifications as ledger
from storage.db import Database
from tests.feishu.fake_feishu import FakeFeishu
from tests.scheduler import factories as f
from tests.slack.fake_slack import TEAM_ID, FakeSlack

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
SLACK_TOKEN = "xoxb-doctor-secret-token"
FEISHU_SECRET = "feishu-doctor-secret"
EVERY_SCOPE = [
    "commands", "chat:write", "chat:write.public", "files:write", "users:read", "im:write", "im:history",
    "channels:history", "groups:history", "app_mentions:read", "channels:read", "groups:read",
]  # fmt: skip


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeSlack, FakeFeishu]]:
    slack, feishu = FakeSlack().start(), FakeFeishu().start()
    yield slack, feishu
    slack.stop()
    feishu.stop()


@pytest.fixture
def slack(fakes: tuple[FakeSlack, FakeFeishu]) -> FakeSlack:
    fake = fakes[0]
    fake.scopes = list(EVERY_SCOPE)
    fake.channel_info = {
        "C-dev": {"is_member": True},
        "C-design": {},
        "C-launch": {"is_private": True, "is_member": True},
    }
    fake._scripts.clear()
    return fake


@pytest.fixture
def feishu(fakes: tuple[FakeSlack, FakeFeishu]) -> FakeFeishu:
    return fakes[1]


def settings(db_url: str, slack: FakeSlack | None, feishu: FakeFeishu | None) -> Settings:
    options: dict[str, object] = {"database_url": db_url}
    if slack is not None:
        options.update(
            slack_bot_token=SLACK_TOKEN, slack_signing_secret="doctor-signing", slack_api_url=slack.api_url
        )
    if feishu is not None:
        options.update(feishu_app_id="cli_doctor", feishu_app_secret=FEISHU_SECRET, feishu_domain=feishu.url)
    return Settings(_env_file=None, **options)  # type: ignore[arg-type, call-arg]


def seed_channels(db: Database) -> None:
    with db.transaction() as s:
        ws = f.workspace(s, TEAM_ID, platform="slack")
        depts = f.departments(s, ws)
        for key, dept in depts.items():
            dept.channel_id = "C-dev" if key == "dev" else "C-design" if key == "design" else None
        f.launch(s, ws, "v1", NOW.date() + timedelta(days=7), depts, channel_id="C-launch")
        f.digest(s, ws, "C-dev")
        lark = f.workspace(s, "tenant_doctor", platform="feishu")
        for key, dept in f.departments(s, lark).items():
            dept.channel_id = "oc_dev" if key == "dev" else None
        f.digest(s, lark, "oc_standup")


def doctor(config: Settings) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = run_doctor(config, out, now=lambda: NOW)
    text = out.getvalue()
    assert SLACK_TOKEN not in text and FEISHU_SECRET not in text
    return status, text.splitlines()


def test_a_good_configuration_passes_every_check(db: Database, slack: FakeSlack, feishu: FakeFeishu) -> None:
    seed_channels(db)
    status, lines = doctor(settings(db.url, slack, feishu))
    assert status == 0, lines
    assert all(line.startswith("ok ") for line in lines), lines
    names = [line.split(":")[0].split(None, 1)[1] for line in lines]
    assert names == [
        "database", "slack token", "slack scopes", "feishu credentials",
        "slack channels", "feishu chats", "ledger", "ledger backlog",
    ]  # fmt: skip
    assert "all 3" in lines[4] and "all 2" in lines[5]
    assert slack.calls_to("auth.test")[-1].token == SLACK_TOKEN


def test_a_feishu_chat_without_the_bot_is_reported(
    db: Database, slack: FakeSlack, feishu: FakeFeishu
) -> None:
    seed_channels(db)
    feishu.chats_without_bot = {"oc_standup"}
    try:
        status, lines = doctor(settings(db.url, None, feishu))
    finally:
        feishu.chats_without_bot = set()
    assert status == 1
    (chats,) = [line for line in lines if "feishu chats" in line]
    assert (
        chats.startswith("FAIL")
        and "1 of 2" in chats
        and "oc_standup (digest): the bot is not in it" in chats
    )
    assert "add the bot to the group" in chats


def test_broken_credentials_and_an_unmigrated_database_fail_with_fixes(
    tmp_path, slack: FakeSlack, feishu: FakeFeishu
) -> None:  # type: ignore[no-untyped-def]
    slack.fail("auth.test", "invalid_auth")
    feishu.fail("POST", "tenant_access_token", status=200, code=10014, msg="app secret invalid")
    status, lines = doctor(settings(f"sqlite:///{tmp_path / 'new.db'}", slack, feishu))
    assert status == 1
    by_name = {line.split(":")[0].split(None, 1)[1]: line for line in lines}
    assert by_name["database"].startswith("FAIL") and "fix: coordbot db upgrade" in by_name["database"]
    assert by_name["slack token"].startswith("FAIL") and "invalid_auth" in by_name["slack token"]
    assert "SLACK_BOT_TOKEN" in by_name["slack token"]
    assert by_name["feishu credentials"].startswith("FAIL") and "10014" in by_name["feishu credentials"]
    assert "ledger" not in by_name  # nothing to read without the schema


def test_missing_scopes_unpostable_channels_and_dead_messages_are_reported(
    db: Database, slack: FakeSlack
) -> None:
    seed_channels(db)
    slack.scopes = [s for s in EVERY_SCOPE if s not in ("im:history", "files:write")]
    slack.channel_info = {
        "C-dev": {"is_archived": True},
        "C-launch": {"is_private": True, "is_member": False},
    }
    with db.transaction() as s:
        new = ledger.NewNotification(
            key="digest:channel:1:C-gone:2026-12-08", workspace_id=1, kind="digest", target_kind="channel",
            target_id="C-gone", payload={}, expires_at=NOW + timedelta(hours=8),
        )  # fmt: skip
        got = ledger.claim(s, new, NOW)
        assert got is not None
        ledger.record_failure(s, got, NOW, "channel_not_found", permanent=True)
    status, lines = doctor(settings(db.url, slack, None))
    assert status == 1
    by_name = {line.split(":")[0].split(None, 1)[1]: line for line in lines}
    assert by_name["slack scopes"].startswith("FAIL")
    assert "files:write, im:history" in by_name["slack scopes"] and "reinstall" in by_name["slack scopes"]
    channels = by_name["slack channels"]
    assert channels.startswith("FAIL") and "3 of 3" in channels
    assert "C-dev (department, digest): archived" in channels
    assert "C-design (department): channel_not_found" in channels
    assert "C-launch (launch): private" in channels
    assert by_name["ledger"].startswith("FAIL") and "1 dead messages (1 digest)" in by_name["ledger"]
    assert by_name["feishu"].startswith("ok")


def test_the_doctor_command_exits_with_its_status(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "FEISHU_APP_ID", "FEISHU_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COORDBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    assert main(["doctor"]) == 1
    assert "FAIL database: migrations behind" in capsys.readouterr().out
    Database(f"sqlite:///{tmp_path / 'c.db'}").upgrade()
    assert main(["doctor"]) == 0
    assert "ok   ledger: no dead messages" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        (
            {"slack_bot_token": "xoxb-half"},
            "Slack is off: SLACK_BOT_TOKEN is set, but not SLACK_SIGNING_SECRET",
        ),
        ({"slack_signing_secret": "s"}, "Slack is off: SLACK_SIGNING_SECRET is set, but not SLACK_BOT_TOKEN"),
        ({"feishu_app_id": "cli_half"}, "Feishu is off: FEISHU_APP_ID is set, but not FEISHU_APP_SECRET"),
        ({"feishu_app_secret": "x"}, "Feishu is off: FEISHU_APP_SECRET is set, but not FEISHU_APP_ID"),
    ],
)
def test_a_platform_set_up_halfway_is_named_with_what_it_lacks(
    db: Database, options: dict[str, str], sentence: str
) -> None:
    config = Settings(_env_file=None, database_url=db.url, slack_api_url="http://127.0.0.1:9/api/", **options)  # type: ignore[arg-type, call-arg]
    assert config.half_configured() == [sentence]
    status, lines = doctor(config)
    assert (
        status == 1
        and f"FAIL settings: {sentence} — fix: set it (see .env.example), or unset the others" in lines
    )
