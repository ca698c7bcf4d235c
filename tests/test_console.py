"""The console bot as a user runs it: ``coordbot console < script`` in a real subprocess."""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.cli import InProcessCli
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]


def clean_env() -> dict[str, str]:
    """The environment without any chat credentials or coordbot settings of the machine's."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEISHU_", "COORDBOT_"))}


def coordbot(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot.cli ARGS`` in ``tmp_path`` with a clean environment plus ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**clean_env(), **env},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    database = f"sqlite:///{tmp_path / 'console.db'}"
    return coordbot(
        tmp_path,
        "console",
        "--start",
        "2026-11-25T09:00",
        *args,
        stdin=script,
        COORDBOT_DATABASE_URL=database,
    )


def test_script_mode_runs_lines_and_exits_zero(tmp_path: Path) -> None:
    result = run_console(
        tmp_path,
        "/coord add dev Fix login @bob due fri\n:user bob\n/coord list mine\n/coord done #1\n/coord frob\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "alice@#general> /coord add dev Fix login @bob due fri" in out
    assert "[DM @bob] @alice assigned you task #1" in out
    assert "Your open tasks (1)" in out
    assert "[DM @alice] #1 is done (@bob)" in out
    assert "I don't know the command “frob”." in out and "Traceback" not in out + result.stderr


def test_state_persists_in_the_sqlite_file_between_runs(tmp_path: Path) -> None:
    assert run_console(tmp_path, "/coord add ops Train support\n").returncode == 0
    again = run_console(tmp_path, "/coord list\n")
    assert "#1 [ops] Train support" in again.stdout


def test_readme_transcript_is_what_the_tour_script_prints(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- tour:begin -->\n```text\n(.*?)```\n<!-- tour:end -->", readme, re.S)
    assert match, "README has no tour transcript block"
    script = (ROOT / "examples" / "tour.coord").read_text(encoding="utf-8")
    result = run_console(tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == match.group(1)


def test_readme_thread_transcript_is_what_the_threads_script_prints_in_that_order(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- threads:begin -->\n```text\n(.*?)```\n<!-- threads:end -->", readme, re.S)
    assert match, "README has no thread transcript block"
    script = (ROOT / "examples" / "threads.coord").read_text(encoding="utf-8")
    result = run_console(tmp_path, script)
    assert result.returncode == 0, result.stderr
    printed = iter(result.stdout.splitlines())
    for line in match.group(1).splitlines():
        if line != "…":
            assert line in printed, line  # found after the lines before it (``…`` skips cards)
    assert "thread m1] #1 is done" not in result.stdout  # quiet


def test_no_chat_credentials_means_plain_coordbot_is_the_console(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'plain.db'}"
    result = coordbot(tmp_path, stdin="/coord help\n", COORDBOT_DATABASE_URL=database)
    assert result.returncode == 0 and "coordbot — coordination tasks" in result.stdout


def test_a_bad_setting_fails_at_start_with_one_line_naming_it(cli: InProcessCli) -> None:
    result = cli("console", COORDBOT_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "coordbot: bad setting COORDBOT_TIMEZONE: Value error, unknown IANA timezone 'Mars/Olympus'"
    ]


def test_serve_without_credentials_says_what_is_missing(cli: InProcessCli) -> None:
    result = cli("serve")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "FEISHU_APP_ID" in result.stderr
    assert gc.isenabled()  # switched off for the start-up, on again when serve returns


def test_a_platform_set_up_halfway_is_named_at_start(cli: InProcessCli) -> None:
    served = cli("serve", SLACK_BOT_TOKEN="xoxb-half-token")
    assert served.returncode == 2
    assert served.stderr.startswith(
        "coordbot serve: Slack is off: SLACK_BOT_TOKEN is set, but not SLACK_SIGNING_SECRET."
    )
    plain = cli(stdin=":quit\n", FEISHU_APP_ID="cli_half")
    assert plain.returncode == 0 and "alice@#general>" in plain.stdout
    assert plain.stderr.strip().splitlines() == [
        "coordbot: Feishu is off: FEISHU_APP_ID is set, but not FEISHU_APP_SECRET; opening the console."
    ]
    assert "xoxb-half-token" not in served.stderr + served.stdout


def test_db_upgrade_command_migrates_an_empty_database(tmp_path: Path, cli: InProcessCli) -> None:
    database = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = coordbot(tmp_path, "db", "upgrade", COORDBOT_DATABASE_URL=database)
    again = cli("db", "upgrade", COORDBOT_DATABASE_URL=database)  # idempotent
    for result in (first, again):
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
    assert (tmp_path / "fresh.db").stat().st_size > 0


def test_console_mistakes_get_one_line_not_the_whole_help(tmp_path: Path) -> None:
    result = run_console(tmp_path, ":frobnicate\n:advance soon\n:advance 400d\n:user\n:help\n")
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        "alice@#general> :frobnicate",
        "(no console command :frobnicate; :help lists them)",
        "alice@#general> :advance soon",
        "(:advance needs a duration up to 365 days, like 2h, 1d or 1w)",
        "alice@#general> :advance 400d",
        "(:advance needs a duration up to 365 days, like 2h, 1d or 1w)",
        "alice@#general> :user",
        "(:user needs one name, like :user bob)",
    ]
    assert "Console commands:" in result.stdout.split(":help", 1)[1]  # :help still lists them all


def test_console_clock_and_scheduled_posts_are_in_the_workspace_time(tmp_path: Path) -> None:
    script = (
        "/coord settings timezone Asia/Shanghai\n"
        "/coord add dev Overdue already @alice due yesterday\n"
        ":now\n"
        ":advance 1d\n"
    )
    out = run_console(tmp_path, script).stdout
    assert "(clock: Wed 2026-11-25 17:00 CST)" in out  # 09:00 UTC
    assert "Thu 09:30 [DM @alice] You have 1 overdue task" in out  # the nudge, at 09:30 Shanghai
    assert "(Use the buttons, or /coord due #1 <date> to move a date.)" in out  # its one task, by number
    assert "(clock: Thu 2026-11-26 17:00 CST)" in out


def test_a_nudge_about_several_tasks_shows_the_due_command_with_a_placeholder(tmp_path: Path) -> None:
    script = "/coord add dev One @alice due yesterday\n/coord add dev Two @alice due yesterday\n:advance 1d\n"
    out = run_console(tmp_path, script).stdout
    assert "You have 2 overdue tasks" in out
    assert "(Use the buttons, or /coord due #<id> <date> to move a date.)" in out


def test_a_task_added_as_a_reply_tells_its_thread_what_became_of_it(tmp_path: Path) -> None:
    script = (
        ":reply m1 /coord add dev Sync crashes offline @bob\n"
        ":user bob\n"
        "/coord start #1\n"
        "/coord quiet #1\n"
        "/coord done #1\n"
        ":reply m1 add dev X\n"
    )
    out = run_console(tmp_path, script).stdout
    assert "[#general thread m1] #1 started (@bob)" in out
    assert "thread m1] #1 is done" not in out  # muted
    assert "(:reply needs a message and a command, like :reply m1 /coord add dev Fix it)" in out


def test_every_help_reads_cleanly_and_describes_every_option() -> None:
    from bot.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sub in [("coordbot", parser), *subparsers.choices.items()]:  # type: ignore[attr-defined]
        text = sub.format_help()
        assert "``" not in text and ":class:" not in text and ":func:" not in text, name
        for action in sub._actions:
            assert action.help, f"{name}: {action.dest} has no help"
        assert sub.description, name


def test_help_runs_for_every_command(tmp_path: Path, cli: InProcessCli) -> None:
    shell = coordbot(tmp_path, "--help")
    assert shell.returncode == 0 and shell.stdout.startswith("usage: coordbot") and not shell.stderr
    commands = ("console", "serve", "demo", "db", "template", "export")
    for args in ((), *((name,) for name in commands), ("template", "import")):
        result = cli(*args, "--help")
        assert result.returncode == 0 and result.stdout.startswith("usage: coordbot"), args
        assert not result.stderr, args


def _unreachable_postgres() -> str:
    import socket

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://coordbot:s3cret@127.0.0.1:{port}/coordbot"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite:///{tmp}/no/such/folder/coordbot.db", "the folder {tmp}/no/such/folder does not exist"),
        ("not a url", "not a database URL"),
        ("mysql://a@localhost/x", "no database driver for mysql"),
        ("unreachable", "Connection refused"),
        ("bad-credentials", 'role "nosuchrole" does not exist'),
    ],
)
def test_a_database_that_cannot_be_opened_stops_coordbot_in_one_line(
    tmp_path: Path, cli: InProcessCli, url: str, reason: str
) -> None:
    if url == "unreachable":
        url = _unreachable_postgres()
    if url == "bad-credentials":
        if not PG_URL:
            pytest.skip("COORDBOT_TEST_DATABASE_URL is not set")
        url = str(make_url(PG_URL).set(username="nosuchrole", password="s3cret"))
    # One real process (what a shell sees), the rest in this one.
    run = partial(coordbot, tmp_path) if reason == "Connection refused" else cli
    for command in (("console",), ("db", "upgrade")):
        result = run(*command, COORDBOT_DATABASE_URL=url.format(tmp=tmp_path))
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("coordbot: ") and "COORDBOT_DATABASE_URL" in line
        assert reason.format(tmp=tmp_path) in line
        assert "s3cret" not in line  # the password never shows
