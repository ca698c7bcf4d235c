"""Export: ``/coord export`` and ``coordbot export`` write one record per task or item, with its
history summarised, as CSV that spreadsheets open cleanly or as JSON; scoped to one workspace."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import Console
from handlers.export import BOM, COLUMNS
from handlers.notices import outbound_from_dict, outbound_to_dict
from handlers.replies import FileAttachment, Outbound, Reply, Target
from tests.launch.conftest import Team


def rows_of(content: str) -> list[dict[str, str]]:
    assert content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(content[len(BOM) :], newline="")))


def exported(team: Team, text: str, user: str = "erin") -> FileAttachment:
    reply = team.ok(user, text).reply
    assert reply.file is not None and reply.ephemeral
    return reply.file


def busy_launch(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15")
    team.ok("bob", 'add dev 修复登录, 5" screen =SUM(A1) @frank due 2026-12-04 for v1')  # #13
    team.ok("bob", "due #13 2026-12-08")
    team.ok("bob", "due #13 2026-12-09")
    team.ok("bob", "block #13 waiting for design")
    team.ok("bob", "unblock #13")
    team.clock.advance(timedelta(hours=2))
    team.ok("bob", "done #13")
    team.ok("bob", "add ops Unplanned work")  # #14: in no launch


def test_csv_has_one_row_per_task_or_item_with_iso_dates_and_a_history_summary(team: Team) -> None:
    busy_launch(team)
    file = exported(team, "export v1")
    assert file.name == "coordbot-v1-2026-11-25.csv" and file.mime == "text/csv"
    rows = rows_of(file.content)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["number"] for r in rows] == [str(n) for n in range(1, 14)]  # v1's 12 items and #13
    task = rows[-1]
    assert task["kind"] == "task" and task["title"] == '修复登录, 5" screen =SUM(A1)'
    assert task["status"] == "done" and task["assignee"] == "frank" and task["creator"] == "bob"
    assert task["due_date"] == "2026-12-09" and task["launch"] == "v1" and task["launch_date"] == "2026-12-15"
    assert task["created_at"] == "2026-11-25T09:00:00Z" and task["done_at"] == "2026-11-25T11:00:00Z"
    assert task["done_by"] == "bob"
    assert (task["changes"], task["due_changes"], task["times_blocked"]) == ("6", "2", "1")
    assert task["history"] == "created 2026-11-25 · due moved 2× · blocked 1× · done 2026-11-25"
    item = rows[0]
    assert item["kind"] == "item" and item["offset"] == "T-10" and item["due_date"] == "2026-12-01"
    assert item["assignee"] == "bob" and item["done_at"] == ""
    everything = rows_of(exported(team, "export").content)
    assert [r["number"] for r in everything][-2:] == ["13", "14"] and everything[-1]["launch"] == ""


def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(team: Team) -> None:
    team.ok("bob", 'add dev =HYPERLINK("http://evil") ok')
    team.ok("bob", "add dev -1 is a fine title")
    titles = [r["title"] for r in rows_of(exported(team, "export all csv").content)]
    assert titles == ['\'=HYPERLINK("http://evil") ok', "'-1 is a fine title"]
    records = json.loads(exported(team, "export all json").content)["records"]
    assert records[0]["title"] == '=HYPERLINK("http://evil") ok'  # JSON is data: kept as it is


def test_json_carries_every_record_with_its_full_history(team: Team) -> None:
    busy_launch(team)
    file = exported(team, "export all json")
    assert file.name == "coordbot-all-2026-11-25.json" and file.mime == "application/json"
    document = json.loads(file.content)
    assert document["workspace"] == {"platform": "slack", "id": "T1", "name": None}
    records = {r["number"]: r for r in document["records"]}
    assert len(records) == 14 and set(COLUMNS) <= set(records[13])
    assert records[13]["title"] == '修复登录, 5" screen =SUM(A1)'
    kinds = [e["kind"] for e in records[13]["events"]]
    assert kinds == ["created", "due", "due", "blocked", "status", "status"]
    assert records[13]["events"][1] == {
        "at": "2026-11-25T09:00:00Z",
        "by": "bob",
        "kind": "due",
        "changes": {"due": ["2026-12-04", "2026-12-08"]},
    }
    assert records[14]["launch"] is None and records[14]["due_date"] is None


def test_bad_input_gets_a_specific_message(team: Team) -> None:
    team.refused("erin", "export", "nothing to export yet")
    team.ok("alice", "template new empty")
    team.ok("alice", "launch new v1 2026-12-15 template empty")
    team.refused("erin", "export v1", "Launch v1 has no tasks or items to export")
    team.refused("erin", "export v9", "no launch called “v9”")
    team.refused("erin", "export v1 xlsx", "csv or json, not “xlsx”")
    team.refused("erin", "export xlsx", "csv or json, not “xlsx”")
    team.refused("erin", "export v1 pdf2", "csv or json, not “pdf2”")
    team.refused("erin", "export v1 csv more", "Name a launch (or all) and a format")
    team.ok("alice", "settings language zh")
    team.refused("erin", "导出 v1 xlsx", "只能导出 csv 或 json")


def test_an_export_never_holds_another_workspaces_records(team: Team) -> None:
    busy_launch(team)
    other = Team(team.core, team.db, team.clock, workspace="T2")
    other.ok("zed", "add dev Their own task")
    other.ok("zed", "launch new v1 2026-12-15")
    theirs = rows_of(exported(other, "export", user="zed").content)
    assert theirs[0]["title"] == "Their own task" and len(theirs) == 13
    assert all("修复登录" not in r["title"] for r in theirs)
    launch_rows = rows_of(exported(other, "export v1", user="zed").content)
    assert len(launch_rows) == 12 and {r["launch"] for r in launch_rows} == {"v1"}
    assert all(r["changes"] == "1" for r in launch_rows)  # their own history only


def test_the_file_rides_through_the_ledger_whole() -> None:
    file = FileAttachment("coordbot-v1-2026-11-25.csv", BOM + "number\r\n1\r\n", "text/csv")
    message = Outbound("slack", "T1", Target.member("C1", "U1"), Reply("Export", file=file), key="k")
    assert outbound_from_dict(json.loads(json.dumps(outbound_to_dict(message)))) == message


def test_the_console_writes_the_file_and_prints_its_path(team: Team, tmp_path: Path) -> None:
    from bot.app import Services

    out = io.StringIO()
    services = Services(settings=None, db=team.db, clock=team.clock, coordinator=team.core)  # type: ignore[arg-type]
    console = Console(services, team.clock, out=out, files_dir=tmp_path / "exports")
    console.handle("/coord launch new v1 2026-12-15")
    console.handle("/coord export v1")
    path = tmp_path / "exports" / "coordbot-v1-2026-11-25.csv"
    assert f"Saved to {path}" in out.getvalue()
    assert len(rows_of(path.read_bytes().decode("utf-8"))) == 12


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_cli_writes_one_workspaces_file(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    busy_launch(team)
    Team(team.core, team.db, team.clock, workspace="T2").ok("zed", "add dev Their own task")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COORDBOT_DATABASE_URL", team.db.url)
    out = tmp_path / f"t1.{fmt}"
    assert main(["export", "--workspace", "slack:T1", "--format", fmt, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"14 record(s) written to {out}"
    text = out.read_bytes().decode("utf-8")
    numbers = (
        [r["number"] for r in rows_of(text)]
        if fmt == "csv"
        else [str(r["number"]) for r in json.loads(text)["records"]]
    )
    assert numbers == [str(n) for n in range(1, 15)] and "Their own task" not in text
    assert main(["export", "--format", fmt]) == 2  # two workspaces: say which
    assert "choose one with --workspace" in capsys.readouterr().err
    assert main(["export", "--workspace", "T1", "--launch", "v9"]) == 2
    assert "no launch 'v9' here; launches: v1" in capsys.readouterr().err
