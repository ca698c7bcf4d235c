"""A task's history as sentences for people: "Wed 11-25 09:00 · @bob started it".

Events store what changed as ``{field: [before, after]}`` with raw values (user ids, ISO dates
and UTC instants, status and department keys). Here they become sentences in the reader's
language, with names, local dates and times and the reader's zone; no field name, enum value
or ISO stamp reaches the reader. An event kind this module does not know still reads as a
sentence, naming the fields it changed in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers import views
from handlers.i18n import Translator, catalog
from handlers.replies import mention
from storage.models import Department, Person, TaskEvent, TaskStatus


@dataclass(frozen=True)
class HistoryNames:
    """How the people and departments an event names by id or key are called."""

    people: Mapping[str, Person]
    departments: Mapping[str, Department]

    def person(self, user_id: object, tr: Translator) -> str:
        if not user_id:
            return tr("word.nobody")
        found = self.people.get(str(user_id))
        return mention(str(user_id), found.name if found else None)

    def department(self, key: object, tr: Translator) -> str:
        found = self.departments.get(str(key))
        return views.department_name(found, tr) if found is not None else str(key)


@dataclass(frozen=True)
class _Reading:
    tr: Translator
    zone: ZoneInfo
    names: HistoryNames
    day: date  # the local day of the event: a time on that day goes without its date

    def date(self, value: object) -> str:
        try:
            return views.short_day(date.fromisoformat(str(value)), self.tr)
        except ValueError:
            return str(value)

    def instant(self, value: object) -> str:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return views.clock(moment, self.zone, self.tr, today=self.day)


def history_lines(
    events: Sequence[TaskEvent], tr: Translator, zone: ZoneInfo, names: HistoryNames
) -> tuple[str, ...]:
    lines = []
    for event in events:
        local = event.at.astimezone(zone)
        reading = _Reading(tr, zone, names, local.date())
        when = f"{views.short_day(local.date(), tr)} {tr('fmt.time', hh=local.hour, mm=local.minute)}"
        actor = views.who(event.actor, tr)
        lines.append(tr("history.line", when=when, who=actor, what=_sentence(event, reading)))
    return tuple(lines)


def _change(event: TaskEvent, name: str) -> tuple[object, object] | None:
    value = (event.changes or {}).get(name)
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    return None


def _sentence(event: TaskEvent, r: _Reading) -> str:
    describe = _SENTENCES.get(event.kind)
    text = describe(event, r) if describe is not None else None
    return text if text is not None else _changed_fields(event, r)


def _created(event: TaskEvent, r: _Reading) -> str:
    department = _change(event, "department")
    if department is None:
        return r.tr("history.created")
    return r.tr("history.created_in", department=r.names.department(department[1], r.tr))


def _status(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "status")
    if change is None:
        return None
    before, after = change
    if after == TaskStatus.DONE:
        return r.tr("history.done")
    if before == TaskStatus.DONE:
        return r.tr("history.reopened")
    if before == TaskStatus.BLOCKED:
        return r.tr("history.unblocked")
    if after == TaskStatus.IN_PROGRESS:
        return r.tr("history.started")
    return r.tr("history.status", before=r.tr(f"status.{before}"), after=r.tr(f"status.{after}"))


def _blocked(event: TaskEvent, r: _Reading) -> str:
    reason = _change(event, "blocked_reason")
    if reason is None or not reason[1]:
        return r.tr("history.blocked")
    return r.tr("history.blocked_because", reason=reason[1])


def _assigned(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "assignee")
    if change is None:
        return None
    before, after = (r.names.person(v, r.tr) if v else None for v in change)
    if after is None:
        return r.tr("history.unassigned", before=before or r.tr("word.nobody"))
    if before is None:
        return r.tr("history.assigned", after=after)
    return r.tr("history.reassigned", before=before, after=after)


def _moved(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "department")
    if change is None:
        return None
    before, after = (r.names.department(v, r.tr) for v in change)
    return r.tr("history.moved", before=before, after=after)


def _due(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "due")
    if change is None:
        return None
    before, after = (r.date(v) if v else None for v in change)
    if after is None:
        return r.tr("history.due_cleared", before=before or r.tr("word.no_due"))
    if before is None:
        return r.tr("history.due_set", after=after)
    return r.tr("history.due_moved", before=before, after=after)


def _snoozed(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "snoozed_until")
    if change is None or not change[1]:
        return None
    return r.tr("history.snoozed", until=r.instant(change[1]))


def _renamed(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "title")
    if change is None:
        return None
    return r.tr("history.renamed", before=change[0], after=change[1])


def _launch(event: TaskEvent, r: _Reading) -> str | None:
    change = _change(event, "launch")
    if change is None:
        return None
    before, after = change
    if after is None:
        return r.tr("history.launch_cleared", before=before)
    if before is None:
        return r.tr("history.launch_set", after=after)
    return r.tr("history.launch_moved", before=before, after=after)


def _changed_fields(event: TaskEvent, r: _Reading) -> str:
    """Any other event: the fields it changed, by their names in the reader's language."""
    known = catalog(r.tr.lang)
    labels = [
        r.tr(f"field.{name}") if f"field.{name}" in known else r.tr("history.some_field")
        for name in sorted(event.changes or {})
    ]
    if not labels:
        return r.tr("history.updated")
    return r.tr("history.updated_fields", fields=views.joined(dict.fromkeys(labels), r.tr))


_SENTENCES: dict[str, Callable[[TaskEvent, _Reading], str | None]] = {
    "created": _created,
    "status": _status,
    "blocked": _blocked,
    "assigned": _assigned,
    "moved": _moved,
    "due": _due,
    "snoozed": _snoozed,
    "renamed": _renamed,
    "deleted": lambda _event, r: r.tr("history.deleted"),
    "launch": _launch,  # storage.version_plans.LAUNCH_CHANGE
}
