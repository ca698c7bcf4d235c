"""Templates in chat: the built-in standard, admins' own, editing, the default, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from handlers.replies import plain_mentions
from storage.models import LaunchTemplate, TemplateItem
from tests.launch.conftest import Team


def lines(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [plain_mentions(item) for section in outcome.reply.sections for item in section.items]


def test_every_workspace_has_the_standard_template_as_its_default(team: Team) -> None:
    listed = team.ok("erin", "template list").reply.plain_text()
    assert "standard (default) · 12 items · dev 4 · design 2 · marketing 2 · ops 4" in listed
    shown = lines(team.ok("erin", "template show standard"))
    assert shown[0] == "dev 1. Feature complete · T-10 · owner: lead"
    assert "ops 4. User feedback collected and shared · T+5 · owner: lead" in shown


def test_admins_copy_edit_reorder_and_choose_the_default(team: Team) -> None:
    team.ok("alice", "template new major from standard")
    team.ok("alice", "template major add dev Security review at T-8 owner <@frank|Frank>")
    team.ok("alice", "template major add ops Status page ready at T-1 owner pm")
    team.ok("alice", "dept add legal 法务")  # a department the template never knew
    team.ok("alice", "template major add legal Terms of service reviewed T-15")
    team.ok("alice", "template major remove dev 2")  # QA / regression passed
    team.ok("alice", "template major move dev 4 to 1")  # Security review first
    shown = lines(team.ok("alice", "template show major"))
    dev = [line for line in shown if line.startswith("dev ")]
    assert dev == [
        "dev 1. Security review · T-8 · owner: @Frank",
        "dev 2. Feature complete · T-10 · owner: lead",
        "dev 3. Release plan and rollback ready · T-2 · owner: lead",
        "dev 4. Launch issues triaged and fixes planned · T+1 · owner: lead",
    ]
    assert "ops 5. Status page ready · T-1 · owner: launch owner" in shown
    assert "legal 1. Terms of service reviewed · T-15 · owner: lead" in shown
    team.ok("alice", "template default major")
    assert "major (default)" in team.ok("bob", "template list").reply.plain_text()
    # the standard template is untouched by the copy's edits
    assert len(lines(team.ok("bob", "template show standard"))) == 12
    created = team.ok("alice", "launch new v3 2026-12-15").reply.headline
    assert "from template major: 12 checklist items, 2 after the launch" in created


def test_template_commands_in_chinese(team: Team) -> None:
    team.ok("alice", "模板 新建 minor 从 standard")
    team.ok("alice", "模板 minor 添加 设计 图标走查 at T-2")
    team.ok("alice", "模板 minor 移除 运营 4")
    team.ok("alice", "模板 默认 minor")
    assert "design 3. 图标走查 · T-2 · owner: lead" in lines(team.ok("alice", "模板 查看 minor"))
    assert "minor (default) · 12 items" in team.ok("alice", "模板 列表").reply.plain_text()


def test_only_admins_change_templates(team: Team) -> None:
    team.ok("bob", "template list")  # anyone may look (the built-in template is made on first use)
    for text in (
        "template new mine",
        "template standard add dev Extra step",
        "template standard remove dev 1",
        "template standard move dev 1 to 2",
        "template default standard",
    ):
        outcome = team.refused("bob", text, "Only workspace admins")
        assert outcome.reply.usage is None or "template" in outcome.reply.usage
    with team.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(LaunchTemplate)) == 1
        assert s.scalar(select(func.count()).select_from(TemplateItem)) == 12


def test_bad_template_input_is_refused_with_a_reason_and_nothing_written(team: Team) -> None:
    team.refused("alice", "template show nope", "There is no template “nope”. Templates: standard.")
    team.refused("alice", "template standard add qa Load test", "There is no department “qa”")
    team.refused("alice", "template standard add dev Load test at T-300", "T-300 is too far from the launch")
    team.refused("alice", "template standard add dev Load test T+261", "at most 260 working days")
    team.refused("alice", "template standard add dev feature COMPLETE", "dev already has the item")
    team.refused("alice", "template standard add dev Load test owner nobody", "is not an owner")
    team.refused("alice", "template standard remove dev 9", "has no item 9 for dev (it has 4)")
    team.refused("alice", "template standard move dev 1 to 7", "has no item 7 for dev")
    team.refused("alice", "template new standard", "already a template called standard")
    team.refused("alice", "template new list", "can't be a template name")
    team.refused("alice", "template delete standard", "built in")
    team.refused("alice", "launch new v1 2026-12-15 template nope", "There is no template “nope”")
    team.ok("alice", "template new major")
    team.ok("alice", "template default major")
    team.refused("alice", "template delete major", "is the default")
    team.ok("alice", "template default standard")
    team.ok("alice", "template delete major")
    assert "major" not in team.ok("alice", "template list").reply.plain_text()
    assert len(lines(team.ok("alice", "template show standard"))) == 12


def test_an_empty_template_makes_a_launch_with_no_items(team: Team) -> None:
    team.ok("alice", "template new blank")
    created = team.ok("alice", "launch new hotfix1 2026-11-27 template blank").reply
    assert "from template blank: 0 checklist items" in created.headline
    assert team.tasks(kind="item") == []
    assert date(2026, 11, 27) > team.clock.now().date()


@pytest.mark.parametrize(
    "text", ["template copy standard hotfix", "template copy standard to hotfix", "模板 复制 standard hotfix"]
)
def test_copy_names_the_source_first_like_new_from(team: Team, text: str) -> None:
    team.ok("alice", text)
    assert lines(team.ok("alice", "template show hotfix")) == lines(
        team.ok("alice", "template show standard")
    )


@pytest.mark.parametrize("text", ["template copy standard", "template copy standard a b"])
def test_copy_without_exactly_two_names_gives_the_usage(team: Team, text: str) -> None:
    team.refused("alice", text, "copy <name> <new name>")
    assert "hotfix" not in team.ok("alice", "template list").reply.plain_text()
