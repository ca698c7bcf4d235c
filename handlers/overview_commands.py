"""``/coord roadmap`` and ``/coord board``: the PM's overview in chat, and the link to the web board."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers import views
from handlers.execution import CommandError, Ctx
from handlers.i18n import Translator
from handlers.launch_views import name
from handlers.overview_grammar import OpenBoard, RevokeBoard, ShowRoadmap
from handlers.replies import Reply, Section, Tone
from handlers.roadmap import BLOCKED_DAYS, Roadmap, RoadmapEntry, build_roadmap
from storage.access_links import AccessPurpose, issue_token, revoke_tokens

ROADMAP_LIMIT = 20  # launches listed in one reply; the board shows every one


def roadmap(ctx: Ctx, cmd: ShowRoadmap) -> Reply:
    plan = build_roadmap(ctx.session, ctx.workspace, ctx.today, ctx.calendar, cmd.weeks)
    tr = ctx.tr
    at_risk = sum(1 for e in plan.entries if e.at_risk)
    headline = tr("roadmap.title", weeks=cmd.weeks, n=len(plan.entries), risk=at_risk)
    if not plan.entries:
        return Reply(headline, (Section(text=tr("roadmap.empty", weeks=cmd.weeks)),))
    sections = tuple(roadmap_section(entry, plan, tr) for entry in plan.entries[:ROADMAP_LIMIT])
    more = len(plan.entries) - ROADMAP_LIMIT
    if more > 0:
        sections = (*sections, Section(text=tr("roadmap.more", n=more)))
    return Reply(headline, sections, tone=Tone.WARNING if at_risk else Tone.INFO)


def roadmap_section(entry: RoadmapEntry, plan: Roadmap, tr: Translator) -> Section:
    """One launch: its date and days left, readiness, sign-off, open work, and why it is at risk."""
    return Section(
        title=roadmap_title(entry, plan, tr),
        items=roadmap_lines(entry, tr),
        context=risk_text(entry, tr) if entry.at_risk else None,
    )


def roadmap_title(entry: RoadmapEntry, plan: Roadmap, tr: Translator) -> str:
    launch = entry.launch
    when = views.day(launch.launch_date, tr, plan.today, relative=False)
    if entry.shipped:
        state = tr("roadmap.shipped")
    elif launch.launch_date == plan.today:
        state = tr("launch.today")
    else:
        state = tr("roadmap.working_days_left", n=entry.working_days_left)
    key = "roadmap.entry_risk" if entry.at_risk else "roadmap.entry"
    return tr(key, name=launch.name, date=when, state=state)


def roadmap_lines(entry: RoadmapEntry, tr: Translator) -> tuple[str, ...]:
    readiness = entry.readiness
    signoff = tr(
        "roadmap.signoff",
        ready=entry.signed_ready,
        not_ready=entry.signed_not_ready,
        n=len(readiness.departments),
    )
    return (
        tr("roadmap.readiness", done=readiness.done, due=entry.due_now, total=readiness.total)
        + (" · " + readiness.summary(name(tr)) if readiness.total else ""),
        signoff,
        tr(
            "roadmap.work",
            open=len(entry.open_work),
            overdue=len(entry.overdue),
            blocked=len(entry.blocked),
        ),
    )


def roadmap_line(entry: RoadmapEntry, plan: Roadmap, tr: Translator) -> str:
    """The whole entry on one line (App Home)."""
    parts = [roadmap_title(entry, plan, tr), *roadmap_lines(entry, tr)]
    if entry.at_risk:
        parts.append(risk_text(entry, tr))
    return " · ".join(parts)


def risk_text(entry: RoadmapEntry, tr: Translator) -> str:
    reasons = [tr(f"roadmap.risk.{risk}", days=BLOCKED_DAYS) for risk in entry.risks]
    return tr("roadmap.at_risk", reasons=views.joined(reasons, tr))


def open_board(ctx: Ctx, _cmd: OpenBoard) -> Reply:
    if not ctx.web.board:
        raise CommandError("err.board_off", None)
    base = ctx.web.url("/board/open/")
    if base is None:
        raise CommandError("err.board_no_url", None)
    token = issue_token(
        ctx.session,
        workspace_id=ctx.workspace.id,
        person_id=ctx.me.id,
        purpose=AccessPurpose.BOARD_LINK,
        now=ctx.now,
        lifetime=ctx.web.link_lifetime,
        single_use=True,
    )
    return Reply(
        ctx.tr("board.link_title"),
        (Section(text=base + token, context=ctx.tr("board.link_note", minutes=ctx.web.link_minutes)),),
    )


def revoke_board(ctx: Ctx, _cmd: RevokeBoard) -> Reply:
    ended = revoke_tokens(
        ctx.session,
        workspace_id=ctx.workspace.id,
        person_id=ctx.me.id,
        purposes=(AccessPurpose.BOARD_SESSION, AccessPurpose.BOARD_LINK),
        now=ctx.now,
    )
    return Reply(ctx.tr("board.revoked", n=ended), tone=Tone.SUCCESS)


HANDLERS: dict[type, Callable[[Ctx, Any], Reply]] = {
    ShowRoadmap: roadmap,
    OpenBoard: open_board,
    RevokeBoard: revoke_board,
}
