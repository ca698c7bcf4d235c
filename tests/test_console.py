"""The console bot as a user runs it: ``coordbot console < script`` in a real subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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


def test_no_chat_credentials_means_plain_coordbot_is_the_console(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'plain.db'}"
    result = coordbot(tmp_path, stdin="/coord help\n", COORDBOT_DATABASE_URL=database)
    assert result.returncode == 0 and "coordbot — coordination tasks" in result.stdout


def test_a_bad_setting_fails_at_start_with_one_line_naming_it(tmp_path: Path) -> None:
    result = coordbot(tmp_path, "console", COORDBOT_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "coordbot: bad setting COORDBOT_TIMEZONE: Value error, unknown IANA timezone 'Mars/Olympus'"
    ]


def test_serve_without_credentials_says_what_is_missing(tmp_path: Path) -> None:
    result = coordbot(tmp_path, "serve")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "FEISHU_APP_ID" in result.stderr


def test_db_upgrade_command_migrates_an_empty_database(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'fresh.db'}"
    for _ in range(2):  # idempotent
        result = coordbot(tmp_path, "db", "upgrade", COORDBOT_DATABASE_URL=database)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
    assert (tmp_path / "fresh.db").stat().st_size > 0
