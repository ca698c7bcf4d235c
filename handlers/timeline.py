"""A task's past, rebuilt from its row and its history: its status, due date and department at
any instant, how long it was blocked, how often its due date slipped.

The history stores each change as ``{field: [before, after]}``. The timeline starts from the
row as it is now and undoes the changes made after the instant asked about, so it stays right
for rows whose first events were never written (items made in bulk, rows older than their
history) and when only a recent window of events was read. Pure: no database, no clock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from storage.models import Task, TaskEvent, TaskStatus

GONE = (TaskStatus.DELETED, TaskStatus.CANCELLED)  # out of every count from that moment on


@dataclass(frozen=True)
class TaskState:
    status: str
    due: date | None
    department: str | None  # the department's key

    @property
    def is_open(self) -> bool:
        return self.status in TaskStatus.OPEN

    def is_overdue(self, day: date) -> bool:
        return self.is_open and self.due is not None and self.due < day


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _before(event: TaskEvent, state: TaskState) -> TaskState:
    """``state`` as it was just before ``event``."""
    changes = event.changes or {}
    values = {}
    for name, attribute in (("status", "status"), ("due", "due"), ("department", "department")):
        change = changes.get(name)
        if isinstance(change, list) and len(change) == 2:
            before = change[0]
            values[attribute] = _day(before) if name == "due" else before
    if "status" in values and not values["status"]:
        values["status"] = TaskStatus.TODO  # a creation event's "before" is nothing
    return replace(state, **values) if values else state


class TaskTimeline:
    """One task over time; ``events`` are its events (or those after some instant), any order."""

    def __init__(self, task: Task, events: Iterable[TaskEvent]) -> None:
        self.task = task
        self.created_at = task.created_at
        ordered = sorted(events, key=lambda e: (e.at, e.id or 0))
        self._events: Sequence[TaskEvent] = ordered
        self._times = [e.at for e in ordered]
        now = TaskState(task.status, task.due_date, task.department.key if task.department else None)
        self._after: list[TaskState] = [now] * len(ordered)  # the state after each event
        state = now
        for index in range(len(ordered) - 1, -1, -1):
            self._after[index] = state
            state = _before(ordered[index], state)
        self._initial = state
        # A task done with no event saying so (older rows) was done at ``done_at``, open before.
        recorded = any(_status_after(e) == TaskStatus.DONE for e in ordered)
        self._unrecorded_done = None if recorded else task.done_at

    def state_at(self, instant: datetime) -> TaskState | None:
        """The task at ``instant``; ``None`` before it was created or once it was deleted or cancelled."""
        if instant < self.created_at:
            return None
        index = bisect_right(self._times, instant)
        state = self._after[index - 1] if index else self._initial
        done_later = self._unrecorded_done is not None and instant < self._unrecorded_done
        if done_later and state.status == TaskStatus.DONE:
            state = replace(state, status=TaskStatus.TODO)
        return None if state.status in GONE else state

    def steps(self) -> list[tuple[datetime, TaskState | None]]:
        """The instants its state may change at, each with the state from then on: ``state_at`` is
        the same from one instant up to the next (and ``None`` before the first)."""
        points = {self.created_at, *(t for t in self._times if t > self.created_at)}
        if self._unrecorded_done is not None and self._unrecorded_done > self.created_at:
            points.add(self._unrecorded_done)
        return [(point, self.state_at(point)) for point in sorted(points)]

    def done_at(self) -> datetime | None:
        """When it was last marked done (``None`` unless it is done now)."""
        if self.task.status != TaskStatus.DONE:
            return None
        marks = [e.at for e in self._events if _status_after(e) == TaskStatus.DONE]
        return marks[-1] if marks else self.task.done_at

    def blocked_since(self) -> datetime | None:
        """When its current block began (``None`` unless it is blocked now)."""
        if self.task.status != TaskStatus.BLOCKED:
            return None
        marks = [e.at for e in self._events if _status_after(e) == TaskStatus.BLOCKED]
        return marks[-1] if marks else None

    def time_blocked(self, until: datetime) -> timedelta:
        """How long it was blocked in all, up to ``until``."""
        total, since = timedelta(0), None
        for event in self._events:
            after = _status_after(event)
            if after is None or event.at > until:
                continue
            if after == TaskStatus.BLOCKED and since is None:
                since = event.at
            elif after != TaskStatus.BLOCKED and since is not None:
                total, since = total + (event.at - since), None
        if since is not None:
            total += until - since
        return total

    def slips(self, since: datetime | None = None) -> int:
        """How often its due date moved later (after ``since``, when given)."""
        count = 0
        for event in self._events:
            before, after = (_day(v) for v in _pair(event, "due"))
            if before is not None and after is not None and after > before:
                count += since is None or event.at > since
        return count


def _pair(event: TaskEvent, name: str) -> tuple[object, object]:
    change = (event.changes or {}).get(name)
    if isinstance(change, list) and len(change) == 2:
        return change[0], change[1]
    return None, None


def _status_after(event: TaskEvent) -> str | None:
    after = _pair(event, "status")[1]
    return str(after) if after else None


def timelines(tasks: Iterable[Task], events: Iterable[TaskEvent]) -> list[TaskTimeline]:
    """One timeline per task, each with its own events."""
    by_task: dict[int, list[TaskEvent]] = {}
    for event in events:
        by_task.setdefault(event.task_id, []).append(event)
    return [TaskTimeline(task, by_task.get(task.id, ())) for task in tasks]
