"""The ORM models. Every row belongs to one workspace (a Slack team, a Feishu tenant, the console)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


WORKDAYS_MASK = 0b0011111  # Monday to Friday; bit 0 is Monday


class Workspace(Base):
    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    workdays: Mapped[int] = mapped_column(Integer, default=WORKDAYS_MASK)
    task_seq: Mapped[int] = mapped_column(Integer, default=0)
    checkin_time: Mapped[str] = mapped_column(String(5), default="10:00")
    checkin_offsets: Mapped[str] = mapped_column(String(64), default="-14,-7,-3,-1,0,1,7")
    nudge_time: Mapped[str] = mapped_column(String(5), default="09:30")
    escalate_lead_after: Mapped[int] = mapped_column(Integer, default=2)
    escalate_creator_after: Mapped[int] = mapped_column(Integer, default=4)
    created_at: Mapped[datetime]
    uninstalled_at: Mapped[datetime | None]  # the app was uninstalled: nothing is scheduled for it
    # Changes of tasks made from a message are told in its thread (admins turn it off for all).
    thread_updates: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Public holidays: a country code of the ``holidays`` library with an optional subdivision
    # ("CN", "US-CA"), "none", or NULL (not chosen: the default follows the language, zh -> CN).
    holiday_region: Mapped[str | None] = mapped_column(String(16))
    work_start: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="18:00", server_default="18:00")
    late_grace_minutes: Mapped[int] = mapped_column(Integer, default=120, server_default="120")
    feedback_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # the last F-number
    # The scheduler has planned this workspace's slots up to here (NULL: not yet): a slot between it
    # and a tick was missed (coordbot was down) and is caught up by the rules for late posts.
    swept_until: Mapped[datetime | None]


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    work_start: Mapped[str | None] = mapped_column(String(5))  # own working hours; NULL: the workspace's
    work_end: Mapped[str | None] = mapped_column(String(5))
    away_from: Mapped[date | None] = mapped_column(Date)  # away (vacation) from .. until, both included
    away_until: Mapped[date | None] = mapped_column(Date)
    # Who gets their overdue work while away: a person of the same workspace. No foreign key: adding
    # one to ``people`` on SQLite means rebuilding the table, which the rows referencing it forbid.
    away_backup_id: Mapped[int | None] = mapped_column(Integer)
    # What their chat status says of being away ("🌴 Vacationing" on Slack): shown as a hint next
    # to their name, never acted on (``away`` is what holds their nudges). NULL: nothing said.
    status_hint: Mapped[str | None] = mapped_column(String(100))

    @property
    def display(self) -> str:
        return self.name or self.user_id


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    aliases: Mapped[str] = mapped_column(String(400), default="")  # comma-separated, lower-case
    position: Mapped[int] = mapped_column(Integer, default=0)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_name: Mapped[str | None] = mapped_column(String(200))
    holiday_region: Mapped[str | None] = mapped_column(String(16))  # its office's, if not the workspace's

    lead: Mapped[Person | None] = relationship(foreign_keys=[lead_id], lazy="joined")
    members: Mapped[list[DepartmentMember]] = relationship(
        cascade="all, delete-orphan", order_by="DepartmentMember.id"
    )

    @property
    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.split(",") if a]


class DepartmentMember(Base):
    __tablename__ = "department_members"
    __table_args__ = (UniqueConstraint("department_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)

    person: Mapped[Person] = relationship(lazy="joined")


class CompanyDayKind:
    OFF = "off"  # a company day off (on a day that would otherwise be worked)
    WORK = "work"  # an extra working day (on a weekend or a public holiday)


class CompanyDay(Base):
    """A workspace's own day off or extra working day; it wins over weekdays and public holidays."""

    __tablename__ = "company_days"
    __table_args__ = (UniqueConstraint("workspace_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]


class LaunchStatus:
    """What a launch is doing: ``planned`` until its date (or until the PM says it shipped), then
    ``launched``; ``done`` after its last follow-up; ``cancelled`` stops every check-in and nudge
    of its items. Only ``planned``, ``launched`` and ``cancelled`` are stored; see
    :func:`handlers.launch_views.launch_phase` for the one computed from dates."""

    PLANNED = "planned"
    LAUNCHED = "launched"
    DONE = "done"
    CANCELLED = "cancelled"


class Decision:
    """The PM's go/no-go on a launch (a postponement is a reschedule, recorded in its history)."""

    GO = "go"
    GO_WITH_RISK = "go_with_risk"


class Launch(Base):
    __tablename__ = "launches"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name_key"),
        Index("ix_launches_date", "launch_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))  # case-folded name, for lookups
    launch_date: Mapped[date] = mapped_column(Date)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_name: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=LaunchStatus.PLANNED, server_default="planned")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    template_name: Mapped[str | None] = mapped_column(String(80))  # the template it was made from
    launched_at: Mapped[datetime | None]  # when the PM said it shipped (before or on its date)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # The launch this one is the next version of (``launch new v2.4 … from v2.3``). No foreign key:
    # adding one to ``launches`` on SQLite means rebuilding the table its items reference.
    previous_id: Mapped[int | None] = mapped_column(Integer)

    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])


class OwnerRole:
    """Who owns a template item, and a launch item until someone takes it."""

    LEAD = "lead"  # the department's lead (the default)
    PM = "pm"  # the launch's owner
    PERSON = "person"  # one named person (template items only; ``owner_id``)


class LaunchTemplate(Base):
    """A workspace's launch plan: items per department with due offsets and owners (see TemplateItem)."""

    __tablename__ = "launch_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    items: Mapped[list[TemplateItem]] = relationship(
        cascade="all, delete-orphan", order_by="(TemplateItem.department_id, TemplateItem.position)"
    )


class TemplateItem(Base):
    __tablename__ = "template_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("launch_templates.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # order within the department
    text_key: Mapped[str] = mapped_column(String(80), default="")  # a catalog key, or "" for ``text``
    text: Mapped[str] = mapped_column(String(300), default="")
    due_offset: Mapped[int | None] = mapped_column(Integer)  # working days from the launch date
    owner_role: Mapped[str] = mapped_column(String(8), default=OwnerRole.LEAD)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    department: Mapped[Department] = relationship(lazy="joined")
    owner: Mapped[Person | None] = relationship(lazy="joined")


class SignOff(Base):
    """A department lead's go/no-go for their department on one launch (the latest one; the
    launch's history keeps every earlier one)."""

    __tablename__ = "launch_signoffs"
    __table_args__ = (UniqueConstraint("launch_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    ready: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]

    department: Mapped[Department] = relationship(lazy="joined")
    by: Mapped[Person | None] = relationship(lazy="joined")


class LaunchEvent(Base):
    """Append-only history of a launch: created, moved, owner, sign-offs, decision, items, cancel."""

    __tablename__ = "launch_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship(lazy="joined")


class TaskStatus:
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    DELETED = "deleted"
    CANCELLED = "cancelled"  # a launch item of a cancelled launch: in no list, never nudged
    OPEN = ("todo", "in_progress", "blocked")


class TaskKind:
    """A coordination task, or a launch item: an item of a launch's plan (from its template or
    added to the launch), tracked, listed and nudged like any task, counted in its readiness."""

    TASK = "task"
    ITEM = "item"


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_tasks_open_due", "workspace_id", "status", "due_date"),
        Index("ix_tasks_due", "due_date", "status"),
        Index("ix_tasks_assignee", "assignee_id", "status"),
        Index("ix_tasks_launch", "launch_id", "status"),
        Index("ix_tasks_department", "department_id", "status"),
        Index("ix_tasks_done", "workspace_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    launch_id: Mapped[int | None] = mapped_column(ForeignKey("launches.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.TODO)
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    snoozed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(8), default=TaskKind.TASK, server_default="task")
    item_position: Mapped[int | None] = mapped_column(Integer)  # a launch item's order in its department
    due_offset: Mapped[int | None] = mapped_column(Integer)  # working days from the launch date (T-3)
    owner_role: Mapped[str | None] = mapped_column(String(8))  # OwnerRole the assignee follows, if any
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    description: Mapped[str | None] = mapped_column(Text)
    # The chat message the task was made from (handlers.capture): its channel, the thread its
    # updates are told in (Slack thread_ts, Feishu message id), the message, a link to it.
    source_channel: Mapped[str | None] = mapped_column(String(64))
    source_thread: Mapped[str | None] = mapped_column(String(64))
    source_message: Mapped[str | None] = mapped_column(String(64))
    source_link: Mapped[str | None] = mapped_column(String(500))
    quiet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # no thread updates

    department: Mapped[Department] = relationship(lazy="joined")
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    creator: Mapped[Person | None] = relationship(foreign_keys=[creator_id], lazy="joined")
    launch: Mapped[Launch | None] = relationship(lazy="joined")
    done_by: Mapped[Person | None] = relationship(foreign_keys=[done_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in TaskStatus.OPEN

    @property
    def is_item(self) -> bool:
        return self.kind == TaskKind.ITEM


class TaskEvent(Base):
    """Append-only history of a task: one row per change, never updated or deleted."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship(lazy="joined")


class DigestSchedule(Base):
    __tablename__ = "digest_schedules"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str | None] = mapped_column(String(200))
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM local
    days: Mapped[int] = mapped_column(Integer, default=WORKDAYS_MASK)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Notification(Base):
    """One message coordbot sends on its own; the unique key makes it go out once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_notifications_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|failed|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ProcessedEvent(Base):
    """Platform event ids already handled, so a redelivered event changes nothing twice."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(index=True)


class InboxEvent(Base):
    """An incoming event accepted before the platform got its answer, until its command has run.

    Writing it is what lets the adapter answer at once and do the work afterwards without a
    crash losing the event: a row still pending once its lease has run out is run again (by any
    replica), and ``done_at`` is set in the command's own transaction, so it runs once.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        Index(
            "ix_inbox_events_pending",
            "lease_until",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(index=True)
    lease_until: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None]


class AccessLink(Base):
    """A secret that opens a web page for one person of one workspace (see storage.access_links).

    Only the token's SHA-256 is stored: a copy of the database never opens anyone's board or feed.
    """

    __tablename__ = "access_links"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_access_links_holder", "workspace_id", "person_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # AccessPurpose
    token_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the token
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # None: until revoked
    used_at: Mapped[datetime | None]  # a single-use link once redeemed
    revoked_at: Mapped[datetime | None]


class ReportSchedule(Base):
    """The PM's weekly report: to a channel or as a DM to the person who asked, one day a week."""

    __tablename__ = "report_schedules"
    __table_args__ = (UniqueConstraint("workspace_id", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(8))  # "channel" | "user"
    target_id: Mapped[str] = mapped_column(String(64))
    target_name: Mapped[str | None] = mapped_column(String(200))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 is Monday
    at_time: Mapped[str] = mapped_column(String(5))  # HH:MM local
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    last_sent_at: Mapped[datetime | None]


class FeedbackKind:
    BUG = "bug"
    REQUEST = "request"
    PRAISE = "praise"
    QUESTION = "question"
    ALL = ("bug", "request", "praise", "question")


class FeedbackStatus:
    """Where a feedback item is in triage: ``new`` until the PM or a lead looks at it; ``accepted``
    (to be done, no task yet); ``task`` (a linked task does it); then resolved: ``done`` (its task
    is done), ``wontfix`` (with a reason) or ``duplicate`` (of another item)."""

    NEW = "new"
    ACCEPTED = "accepted"
    TASK = "task"
    DONE = "done"
    WONTFIX = "wontfix"
    DUPLICATE = "duplicate"
    OPEN = ("new", "accepted", "task")
    RESOLVED = ("done", "wontfix", "duplicate")
    CARRIED = ("new", "accepted")  # what the next version takes along (open tasks go as tasks)


class Feedback(Base):
    """What someone said about a launch after it (``F12``): a bug, a request, praise, a question."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_feedback_launch", "launch_id", "status"),
        Index("ix_feedback_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id", ondelete="CASCADE"))
    carried_to_id: Mapped[int | None] = mapped_column(ForeignKey("launches.id", ondelete="SET NULL"))
    kind: Mapped[str | None] = mapped_column(String(12))  # FeedbackKind, or None: not said
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=FeedbackStatus.NEW)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    duplicate_of: Mapped[int | None] = mapped_column(Integer)  # the F-number it duplicates
    note: Mapped[str | None] = mapped_column(String(500))  # why it will not be fixed
    source_channel: Mapped[str | None] = mapped_column(String(64))
    source_thread: Mapped[str | None] = mapped_column(String(64))
    source_message: Mapped[str | None] = mapped_column(String(64))
    source_link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]  # first resolved: who logged or +1'd it were told then

    launch: Mapped[Launch] = relationship(foreign_keys=[launch_id], lazy="joined")
    author: Mapped[Person | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    task: Mapped[Task | None] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status in FeedbackStatus.OPEN


class FeedbackVote(Base):
    """A +1 on a feedback item: one per person, counted instead of a duplicate."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("feedback_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    at: Mapped[datetime]


class FeedbackEvent(Base):
    """Append-only history of a feedback item: logged, +1, triaged, carried, resolved."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Person | None] = relationship(lazy="joined")


class SendLease(Base):
    """Which process sends in a platform's rate-limit scope now (see :mod:`storage.send_leases`).

    Not a workspace's record but the app's: a scope is a Slack workspace (``slack:T123``) or the
    whole Feishu app (``feishu:app``), whose limits every Feishu tenant shares.
    """

    __tablename__ = "send_leases"

    scope: Mapped[str] = mapped_column(String(96), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))  # who sends, or sent last
    sending: Mapped[bool] = mapped_column(Boolean)  # False once released
    until: Mapped[datetime]  # the lease's end (released: when the holder stopped)
