"""The burn-up and overdue-by-department series, rebuilt from the history the core writes.

Driven through the real core on a real database (SQLite, and PostgreSQL when configured), so
the events read are the ones commands write; the timeline's own rules get small pure tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.burnup import Burnup, OverdueByDepartment, ideal_line, launch_burnup, overdue_by_department
from handlers.calendar import WorkCalendar
from handlers.timeline import TaskTimeline
from storage import repo
from storage.models import Department, Launch, Task, TaskEvent, TaskStatus, Workspace
from tests.launch.conftest import START, Team, at

UTC_ZONE = ZoneInfo("UTC")
V1_DAY = date(2026, 12, 15)


def burnup(team: Team, name: str = "v1") -> Burnup:
    with team.db.transaction() as s:
        launch = s.scalars(select(Launch).where(Launch.name == name)).one()
        return launch_burnup(s, launch, calendar=WorkCalendar(), zone=UTC_ZONE, now=team.clock.now())


def overdue(team: Team, weeks: int = 4) -> OverdueByDepartment:
    with team.db.transaction() as s:
        workspace = s.scalars(select(Workspace)).one()
        return overdue_by_department(s, workspace, zone=UTC_ZONE, now=team.clock.now(), weeks=weeks)


def counts(series: OverdueByDepartment) -> dict[str, tuple[int, ...]]:
    return {d.department.key: d.counts for d in series.departments}


def test_burnup_counts_done_against_total_day_by_day(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")  # 12 items, 10 of them by the launch
    team.clock.set(at(date(2026, 11, 26), 10))
    team.ok("bob", "done #1")
    team.ok("alice", "add dev Fix the login page for v1")  # a linked task: #13
    team.clock.set(at(date(2026, 11, 27), 10))
    team.ok("carol", "done #5")
    team.ok("bob", "reopen #1")
    team.clock.set(at(date(2026, 11, 30), 10))
    team.ok("bob", "done #13")
    series = burnup(team)
    by_day = {d.day: (d.done, d.total) for d in series.days}
    assert series.start == START.date() and series.launch_date == V1_DAY
    assert by_day[date(2026, 11, 25)] == (0, 10)
    assert by_day[date(2026, 11, 26)] == (1, 11)
    assert by_day[date(2026, 11, 27)] == (1, 11)  # one more done, one reopened
    assert by_day[date(2026, 11, 29)] == (1, 11)
    assert series.latest == series.days[-1] and (series.latest.day, series.latest.done) == (
        date(2026, 11, 30),
        2,
    )
    assert len(series.days) == 6  # up to today, not beyond
    assert series.on(date(2026, 11, 28)) is not None and series.on(date(2026, 12, 1)) is None


def test_deleted_and_cancelled_work_leaves_the_total_when_it_goes(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.ok("alice", "add dev Spike for v1")  # #13
    team.clock.set(at(date(2026, 11, 27), 10))
    team.ok("alice", "delete #13")
    team.clock.set(at(date(2026, 11, 30), 10))
    team.ok("alice", "launch v1 cancel")
    by_day = {d.day: d.total for d in burnup(team).days}
    assert by_day[date(2026, 11, 26)] == 11
    assert by_day[date(2026, 11, 27)] == 10
    assert by_day[date(2026, 11, 30)] == 0


def test_the_series_stops_at_the_launch_and_the_ideal_line_reaches_its_total(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.clock.set(at(date(2026, 12, 20), 10))
    series = burnup(team)
    assert series.days[-1].day == V1_DAY
    assert series.ideal[0] == (START.date(), 0.0) and series.ideal[-1] == (V1_DAY, 10.0)
    weekend = dict(series.ideal)
    assert weekend[date(2026, 11, 28)] == weekend[date(2026, 11, 29)]  # no progress expected on days off
    assert series.ideal_on(date(2026, 12, 1)) < series.ideal_on(date(2026, 12, 8))


def test_ideal_line_follows_the_working_calendar() -> None:
    sun_thu = WorkCalendar(workdays=0b1001111)
    line = dict(ideal_line(date(2026, 12, 3), date(2026, 12, 8), 4, sun_thu))  # Thu .. Tue
    assert line[date(2026, 12, 4)] == line[date(2026, 12, 5)] == 0.0  # Fri and Sat off
    assert line[date(2026, 12, 8)] == 4.0
    assert ideal_line(date(2026, 12, 5), date(2026, 12, 5), 3, WorkCalendar()) == ((date(2026, 12, 5), 3.0),)


def test_overdue_by_department_uses_the_due_date_and_department_each_week_had(team: Team) -> None:
    team.clock.set(at(date(2026, 11, 2), 9))
    team.ok("alice", "add dev Old bug due 2026-11-04")  # #1
    team.ok("alice", "add design Icons due 2026-11-05")  # #2
    team.ok("alice", "add ops Runbook due 2026-11-20")  # #3
    team.clock.set(at(date(2026, 11, 12), 9))
    team.ok("alice", "due #2 2026-11-30")  # design's lateness ends on the 12th
    team.clock.set(at(date(2026, 11, 24), 9))
    team.ok("bob", "done #1")
    team.clock.set(at(date(2026, 11, 27), 9))
    team.ok("alice", "assign #3 marketing")  # ops was late with it on the 23rd
    team.clock.set(at(date(2026, 11, 30), 12))
    series = overdue(team, weeks=4)
    assert series.days == (date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30))
    shown = counts(series)
    assert shown["dev"] == (1, 1, 1, 0)  # done on the 24th
    assert shown["design"] == (1, 0, 0, 0)  # due moved to the 30th (not overdue on the 30th itself)
    assert shown["ops"] == (0, 0, 1, 0)
    assert shown["marketing"] == (0, 0, 0, 1)
    assert series.total(0) == 2 and series.total() == 1


def test_overdue_series_stays_in_its_workspace(team: Team) -> None:
    team.clock.set(at(date(2026, 11, 2), 9))
    team.ok("alice", "add dev Old bug due 2026-11-04")
    other = Team(team.core, team.db, team.clock, workspace="T2")
    other.ok("zed", "add dev Their bug due 2026-11-03")
    other.ok("zed", "add dev Another due 2026-11-03")
    team.clock.set(at(date(2026, 11, 10), 9))
    with team.db.transaction() as s:
        mine = s.scalars(select(Workspace).where(Workspace.external_id == "T1")).one()
        series = overdue_by_department(s, mine, zone=UTC_ZONE, now=team.clock.now(), weeks=2)
    assert counts(series)["dev"] == (0, 1)
    assert {d.department.workspace_id for d in series.departments} == {mine.id}


# --------------------------------------------------------------------------- the timeline's rules


def _task(status: str, *, due: date | None = None, done_at: datetime | None = None) -> Task:
    department = Department(key="dev")
    return Task(id=1, status=status, due_date=due, created_at=START, done_at=done_at, department=department)


def _event(hours: int, kind: str, **changes: list[object]) -> TaskEvent:
    return TaskEvent(id=hours, task_id=1, at=START + timedelta(hours=hours), kind=kind, changes=changes)


def test_timeline_undoes_later_changes_and_counts_slips_and_blocked_time() -> None:
    events = [
        _event(1, "due", due=["2026-11-30", "2026-12-02"]),
        _event(2, "blocked", status=["todo", "blocked"]),
        _event(5, "status", status=["blocked", "in_progress"]),
        _event(6, "due", due=["2026-12-02", "2026-12-01"]),  # earlier: not a slip
        _event(7, "due", due=["2026-12-01", "2026-12-04"]),
        _event(8, "blocked", status=["in_progress", "blocked"]),
    ]
    timeline = TaskTimeline(_task(TaskStatus.BLOCKED, due=date(2026, 12, 4)), reversed(events))
    first = timeline.state_at(START + timedelta(minutes=30))
    assert first is not None and (first.status, first.due) == ("todo", date(2026, 11, 30))
    middle = timeline.state_at(START + timedelta(hours=3))
    assert middle is not None and (middle.status, middle.due) == ("blocked", date(2026, 12, 2))
    assert timeline.state_at(START - timedelta(seconds=1)) is None
    assert timeline.slips() == 2 and timeline.slips(since=START + timedelta(hours=2)) == 1
    assert timeline.time_blocked(START + timedelta(hours=10)) == timedelta(hours=5)
    assert timeline.blocked_since() == START + timedelta(hours=8)


def test_a_row_done_without_an_event_was_done_at_its_done_at() -> None:
    done_at = START + timedelta(days=2)
    timeline = TaskTimeline(_task(TaskStatus.DONE, done_at=done_at), ())
    before, after = timeline.state_at(done_at - timedelta(seconds=1)), timeline.state_at(done_at)
    assert before is not None and before.status == TaskStatus.TODO
    assert after is not None and after.status == TaskStatus.DONE
    assert timeline.done_at() == done_at


def test_departments_are_listed_even_with_nothing_overdue(team: Team) -> None:
    series = overdue(team, weeks=1)
    with team.db.transaction() as s:
        workspace = s.scalars(select(Workspace)).one()
        keys = [d.key for d in repo.departments(s, workspace)]
    assert [d.department.key for d in series.departments] == keys
    assert all(d.counts == (0,) for d in series.departments)
    assert series.days == (team.clock.now().astimezone(UTC).date(),)


def test_the_burnup_sweep_counts_what_each_days_states_say() -> None:
    """Random histories (done, reopened, deleted, rows done without an event): the one-sweep
    counts equal counting every task's state at the end of every day."""
    import random

    from handlers.burnup import _counts

    rng = random.Random(18)
    statuses = ["todo", "in_progress", "blocked", "done", "deleted"]
    timelines, hits = [], []
    for n in range(40):
        created = START + timedelta(hours=rng.randrange(0, 24 * 20))
        task = Task(
            id=n,
            status="todo",
            due_date=None,
            created_at=created,
            department=Department(key="dev"),
            done_at=None,
        )
        events, status, at_ = [], "todo", created
        for k in range(rng.randrange(0, 6)):
            at_ += timedelta(hours=rng.randrange(1, 72))
            after = rng.choice(statuses)
            events.append(
                TaskEvent(
                    id=n * 10 + k, task_id=n, at=at_, kind="status", changes={"status": [status, after]}
                )
            )
            status = after
        task.status = status
        if status == "todo" and rng.random() < 0.3:  # done once without an event saying so
            task.status, task.done_at = "done", created + timedelta(days=rng.randrange(1, 10))
        timelines.append(TaskTimeline(task, events))
        hits += [created, *(e.at for e in events), *([task.done_at] if task.done_at else [])]
    instants = [START + timedelta(days=d, hours=23, minutes=59) for d in range(40)]
    instants = sorted(
        {*instants, *(t.created_at for t in timelines[:5]), *(e.at for e in events)}
    )  # exact hits
    expected = []
    for instant in instants:
        states = [s for s in (t.state_at(instant) for t in timelines) if s is not None]
        expected.append((sum(s.status == TaskStatus.DONE for s in states), len(states)))
    assert _counts(timelines, instants) == expected
    assert expected[-1][1] > 0 and any(done for done, _total in expected)
