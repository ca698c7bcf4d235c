"""Templates as YAML files: export, import validated whole (one message per bad line, nothing
applied), and the ``coordbot template export|import`` commands."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from handlers import template_file
from storage import repo
from storage.models import TemplateItem, Workspace
from tests.cli import InProcessCli
from tests.launch.conftest import Team

NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)


def workspace(team: Team, session) -> Workspace:  # type: ignore[no-untyped-def]
    return session.scalars(select(Workspace).where(Workspace.external_id == team.workspace)).one()


def test_export_then_import_under_a_new_name_is_the_same_plan(team: Team) -> None:
    team.ok("alice", "template standard add dev Security review at T-8 owner <@frank|Frank>")
    with team.db.transaction() as s:
        exported = template_file.export_template(s, workspace(team, s), "standard")
    data = yaml.safe_load(exported)
    assert data["name"] == "standard" and data["default"] is True
    assert data["items"][0] == {
        "department": "dev",
        "text": "Feature complete",
        "at": "T-10",
        "owner": "lead",
    }
    assert {"department": "dev", "text": "Security review", "at": "T-8", "owner": "frank"} in data["items"]
    copy = exported.replace("name: standard", "name: major").replace("default: true", "default: false")
    with team.db.transaction() as s:
        template_file.import_template(s, workspace(team, s), copy, NOW)

    def shown(name: str) -> list[str]:
        return [i for sec in team.ok("bob", f"template show {name}").reply.sections for i in sec.items]

    assert shown("major") == shown("standard")
    assert "standard (default)" in team.ok("bob", "template list").reply.plain_text()


BAD = textwrap.dedent(
    """\
    name: major
    items:
      - department: dev
        text: Feature complete
        at: T-10
      - department: qa
        text: Load test
      - department: dev
        text: Beta feedback
        at: T-400
      - department: dev
        text: feature complete
      - department: ops
        text: Pager rota
        owner: nobody
      - department: ops
        text: Status page
        colour: red
      - department: design
        at: sometime
    """
)


def test_every_bad_line_is_reported_and_nothing_is_applied(team: Team) -> None:
    team.ok("alice", "template list")
    with team.db.transaction() as s:
        with pytest.raises(template_file.TemplateFileError) as caught:
            template_file.import_template(s, workspace(team, s), BAD, NOW)
        assert caught.value.problems == [
            (6, "unknown department “qa” (departments: dev, design, marketing, ops)"),
            (10, "offset T-400 is beyond a year (260 working days)"),
            (11, "duplicate item: dev already has “feature complete”"),
            (15, "unknown person “nobody”: give lead, pm or a user id coordbot knows"),
            (18, "unknown field “colour” (fields: at, department, owner, text)"),
            (19, "the item needs a text"),
            (20, "bad offset “sometime”: write T-10, T+1 or T0"),
        ]
    with team.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(TemplateItem)) == 12  # standard, untouched
    assert "major" not in team.ok("alice", "template list").reply.plain_text()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: [unclosed\n", (2, "not valid YAML")),  # where the parser gave up
        ("- just a list\n", (1, "the file must be a mapping")),
        ("items: []\n", (1, "the template needs a name")),
        ("name: new\nitems: []\n", (1, "“new” can't be a template name")),
        ("name: x\nitems: nope\n", (2, "items must be a list")),
        ("name: x\ndefault: maybe\nitems: []\n", (2, "default must be true or false")),
        ("name: x\nname: y\nitems: []\n", (2, "“name” is given twice")),
        ("name: x\nitems:\n  - dev\n", (3, "each item must be a mapping")),
    ],
)
def test_malformed_files_say_what_and_where(team: Team, text: str, problem: tuple[int, str]) -> None:
    with team.db.transaction() as s, pytest.raises(template_file.TemplateFileError) as caught:
        template_file.import_template(s, workspace(team, s), text, NOW)
    line, message = caught.value.problems[0]
    assert line == problem[0] and message.startswith(problem[1]), caught.value.problems


def test_an_existing_template_is_replaced_only_when_asked(team: Team) -> None:
    team.ok("alice", "template new major")
    text = "name: major\ndefault: true\nitems:\n  - department: ops\n    text: Status page\n    at: 2\n"
    with team.db.transaction() as s, pytest.raises(template_file.TemplateFileError) as caught:
        template_file.import_template(s, workspace(team, s), text, NOW)
    assert caught.value.problems == [(1, "there is already a template called major (use --replace)")]
    with team.db.transaction() as s:
        template_file.import_template(s, workspace(team, s), text, NOW, replace=True)
    assert "major (default) · 1 item" in team.ok("alice", "template list").reply.plain_text()
    lines = [i for sec in team.ok("alice", "template show major").reply.sections for i in sec.items]
    assert lines == ["ops 1. Status page · T+2 · owner: lead"]


def test_the_cli_exports_and_imports_a_workspaces_templates(tmp_path: Path, cli: InProcessCli) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = cli("template", "export", "standard", COORDBOT_DATABASE_URL=url)
    assert first.returncode == 2 and "workspaces: none yet" in first.stderr
    assert cli("console", stdin="/coord dept list\n", COORDBOT_DATABASE_URL=url).returncode == 0
    exported = cli("template", "export", "standard", COORDBOT_DATABASE_URL=url)
    assert exported.returncode == 0 and exported.stdout.startswith("name: standard\n")
    (tmp_path / "major.yaml").write_text(
        exported.stdout.replace("name: standard", "name: major"), encoding="utf-8"
    )
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    bad = cli("template", "import", "bad.yaml", COORDBOT_DATABASE_URL=url)
    assert bad.returncode == 1
    assert (
        bad.stderr.splitlines()[0]
        == "bad.yaml:6: unknown department “qa” (departments: dev, design, marketing, ops)"
    )
    assert bad.stderr.splitlines()[-1] == "coordbot: nothing was changed (7 problem(s))"
    good = cli("template", "import", "major.yaml", COORDBOT_DATABASE_URL=url)
    assert good.returncode == 0 and good.stdout.strip() == "template major imported: 12 item(s) (the default)"
    listed = cli("console", stdin="/coord template list\n", COORDBOT_DATABASE_URL=url)
    assert "major (default) · 12 items" in listed.stdout and "standard · 12 items" in listed.stdout
    again = cli("template", "import", "major.yaml", COORDBOT_DATABASE_URL=url)
    assert again.returncode == 1 and "use --replace" in again.stderr
    help_text = cli("template", "--help", COORDBOT_DATABASE_URL=url)
    assert help_text.returncode == 0 and "export" in help_text.stdout and "import" in help_text.stdout


def test_the_cli_needs_to_know_which_workspace_when_there_are_several(
    team: Team, tmp_path: Path, cli: InProcessCli
) -> None:
    with team.db.transaction() as s:
        repo.get_or_create_workspace(s, "feishu", "tenant", now=NOW, timezone="UTC", language="zh")
    result = cli("template", "export", "standard", COORDBOT_DATABASE_URL=team.db.url)
    assert (
        result.returncode == 2
        and "choose one with --workspace; workspaces: slack:T1, feishu:tenant" in result.stderr
    )
    chosen = cli(
        "template",
        "export",
        "standard",
        "--workspace",
        "feishu:tenant",
        COORDBOT_DATABASE_URL=team.db.url,
    )
    assert chosen.returncode == 0 and "text: 功能开发完成" in chosen.stdout
