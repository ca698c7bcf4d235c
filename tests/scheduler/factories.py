"""ORM rows for scheduler tests, made directly (no command language needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from storage.models import (
    Department,
    DepartmentMember,
    DigestSchedule,
    Launch,
    Person,
    Task,
    TaskKind,
    Workspace,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DEPARTMENTS = ("dev", "design", "marketing", "ops")
ITEM_NUMBERS = 9000  # launch items are numbered from here
ITEMS = {
    "dev": ("Feature complete", "QA / regression passed", "Release plan and rollback"),
    "design": ("UX review signed off", "Assets delivered"),
    "marketing": ("Announcement and promotion plan", "Materials approved"),
    "ops": ("Support trained", "Runbook and monitoring", "Feedback channel ready"),
}


def workspace(
    s: Session,
    external_id: str = "T1",
    *,
    platform: str = "console",
    timezone: str = "UTC",
    language: str = "en",
    **settings: object,
) -> Workspace:
    ws = Workspace(
        platform=platform,
        external_id=external_id,
        name=external_id,
        timezone=timezone,
        language=language,
        created_at=T0,
    )  # the scheduling settings take the model's defaults, as a new workspace does
    for name, value in settings.items():
        setattr(ws, name, value)
    s.add(ws)
    s.flush()
    return ws


def person(
    s: Session,
    ws: Workspace,
    user_id: str,
    *,
    name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    is_admin: bool = False,
) -> Person:
    p = Person(
        workspace_id=ws.id,
        user_id=user_id,
        name=name or user_id.lower(),
        timezone=timezone,
        language=language,
        is_admin=is_admin,
        created_at=T0,
    )
    s.add(p)
    s.flush()
    return p


def departments(s: Session, ws: Workspace, leads: dict[str, Person] | None = None) -> dict[str, Department]:
    leads = leads or {}
    out = {}
    for position, key in enumerate(DEPARTMENTS):
        lead = leads.get(key)
        d = Department(
            workspace_id=ws.id,
            key=key,
            aliases="",
            position=position,
            lead_id=lead.id if lead else None,
            channel_id=f"C-{key}",
            channel_name=f"team-{key}",
        )
        s.add(d)
        out[key] = d
    s.flush()
    for key, lead in leads.items():
        s.add(DepartmentMember(department_id=out[key].id, person_id=lead.id))
    s.flush()
    return out


def launch(
    s: Session,
    ws: Workspace,
    name: str,
    when: date,
    depts: dict[str, Department],
    *,
    channel_id: str | None = "C-launch",
    done: dict[str, int] | None = None,
    owner: Person | None = None,
) -> Launch:
    """A launch with the old default checklist as undated items owned by each department's lead;
    ``done`` says how many items per department are checked."""
    lx = Launch(
        workspace_id=ws.id,
        name=name,
        name_key=name.casefold(),
        launch_date=when,
        channel_id=channel_id,
        channel_name=f"launch-{name}" if channel_id else None,
        created_at=T0,
        created_by_id=owner.id if owner else None,
        owner_id=owner.id if owner else None,
    )
    s.add(lx)
    s.flush()
    done = done or {}
    number = ITEM_NUMBERS + 100 * lx.id  # apart from the tasks' numbers, which tests name
    for key, texts in ITEMS.items():
        for position, text in enumerate(texts, start=1):
            checked = position <= done.get(key, 0)
            number += 1
            s.add(
                Task(
                    workspace_id=ws.id,
                    number=number,
                    title=text,
                    department_id=depts[key].id,
                    assignee_id=depts[key].lead_id,
                    creator_id=owner.id if owner else None,
                    priority="normal",
                    launch_id=lx.id,
                    status="done" if checked else "todo",
                    created_at=T0,
                    updated_at=T0,
                    done_at=T0 if checked else None,
                    kind=TaskKind.ITEM,
                    item_position=position,
                    owner_role="lead",
                )
            )
    s.flush()
    return lx


def task(
    s: Session,
    ws: Workspace,
    dept: Department,
    title: str,
    *,
    assignee: Person | None = None,
    creator: Person | None = None,
    due: date | None = None,
    status: str = "todo",
    launch: Launch | None = None,
    snoozed_until: datetime | None = None,
    done_at: datetime | None = None,
    blocked_reason: str | None = None,
) -> Task:
    ws.task_seq += 1
    tk = Task(
        workspace_id=ws.id,
        number=ws.task_seq,
        title=title,
        department_id=dept.id,
        assignee_id=assignee.id if assignee else None,
        creator_id=creator.id if creator else None,
        due_date=due,
        priority="normal",
        launch_id=launch.id if launch else None,
        status=status,
        blocked_reason=blocked_reason if status == "blocked" else None,
        snoozed_until=snoozed_until,
        created_at=T0,
        updated_at=T0,
        done_at=done_at,
    )
    s.add(tk)
    s.flush()
    return tk


def digest(
    s: Session, ws: Workspace, channel_id: str, at: str = "09:30", days: int = 0b0011111
) -> DigestSchedule:
    d = DigestSchedule(
        workspace_id=ws.id,
        channel_id=channel_id,
        channel_name=channel_id.lower(),
        at_time=at,
        days=days,
        enabled=True,
        created_at=T0,
    )
    s.add(d)
    s.flush()
    return d


def seed_busy(
    s: Session,
    workspaces: int = 3,
    people: int = 8,
    tasks: int = 40,
    zones: tuple[str, ...] = ("UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin"),
) -> None:
    """Several workspaces in different zones, each with a launch, digests and overdue work for many people."""
    from datetime import timedelta

    for w in range(workspaces):
        ws = workspace(s, f"W{w}", timezone=zones[w % len(zones)])
        folks = [person(s, ws, f"U{w}_{n}", is_admin=n == 0) for n in range(people)]
        depts = departments(s, ws, {"dev": folks[0], "design": folks[1], "marketing": folks[2]})
        lx = launch(s, ws, f"v{w}", date(2026, 12, 15) + timedelta(days=w), depts, done={"dev": 1})
        for key in DEPARTMENTS:
            digest(s, ws, f"C-{key}", at="09:30")
        digest(s, ws, "C-all", at="17:00", days=0b1111111)
        for n in range(tasks):
            dept = depts[DEPARTMENTS[n % 4]]
            task(
                s,
                ws,
                dept,
                f"Task {n}",
                assignee=folks[n % people] if n % 5 else None,
                creator=folks[(n + 3) % people],
                due=date(2026, 12, 1) + timedelta(days=n % 12),
                status=("todo", "in_progress", "blocked", "todo")[n % 4],
                blocked_reason="waiting",
                launch=lx if n % 3 == 0 else None,
            )
