"""Launch plans: templates, launch items as tracked work, sign-offs, launch status and history

Every checklist item of every launch becomes a launch item: a task of kind ``item`` (title in the
workspace's language, the department's lead as its owner, done with who and when, its history),
numbered after the workspace's tasks; ``checklist_items`` is dropped. Launches get a status, an
owner (their creator), the template they came from (``standard``), a go/no-go decision. Check-in
keys in the notification ledger lose their launch date (a check-in offset is posted once per
launch, whatever date it moves to), so the new scheduler does not post again what the old one
posted. The downgrade turns items back into checklist items.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The catalog texts of the old default checklist, frozen here: a migration must not change
# meaning when the catalog is edited later.
CHECKLIST_TEXTS = {
    "en": {
        "check.dev.feature_complete": "Feature complete",
        "check.dev.qa_passed": "QA / regression passed",
        "check.dev.release_plan": "Release plan and rollback ready",
        "check.design.ux_signed_off": "UX review signed off",
        "check.design.assets_delivered": "Assets delivered",
        "check.marketing.plan_ready": "Announcement and promotion plan ready",
        "check.marketing.materials_approved": "Materials approved",
        "check.ops.support_trained": "Support and users trained",
        "check.ops.runbook_ready": "Runbook and monitoring ready",
        "check.ops.feedback_channel": "Post-launch feedback channel ready",
    },
    "zh": {
        "check.dev.feature_complete": "功能开发完成",
        "check.dev.qa_passed": "QA / 回归测试通过",
        "check.dev.release_plan": "上线方案和回滚方案就绪",
        "check.design.ux_signed_off": "UX 评审已通过",
        "check.design.assets_delivered": "设计资源已交付",
        "check.marketing.plan_ready": "公告和推广计划就绪",
        "check.marketing.materials_approved": "宣传物料已审核通过",
        "check.ops.support_trained": "客服和用户培训完成",
        "check.ops.runbook_ready": "运维手册和监控就绪",
        "check.ops.feedback_channel": "上线后的反馈渠道就绪",
    },
}

ITEM = "item"
CHECKIN_PREFIX = "checkin:launch:"


def upgrade() -> None:
    _create_tables()
    _add_columns()
    bind = op.get_bind()
    _launch_owners(bind)
    _checklist_to_items(bind)
    _rekey_checkins(bind, _new_checkin_key)
    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_items_launch_id"))
    op.drop_table("checklist_items")


def downgrade() -> None:
    _create_checklist_table()
    bind = op.get_bind()
    _items_to_checklist(bind)
    _rekey_checkins(bind, _old_checkin_key)
    if bind.dialect.name != "sqlite":
        # SQLite keeps the added columns (dropping them means copying ``tasks`` and ``launches``
        # again, see _add_person_columns); the code of revision 0006 ignores them.
        for table, names in PEOPLE_COLUMNS.items():
            for column in names:
                op.drop_constraint(op.f(f"fk_{table}_{column}_people"), table, type_="foreignkey")
                op.drop_column(table, column)
        for column in ("kind", "item_position", "due_offset", "owner_role"):
            op.drop_column("tasks", column)
        for column in ("status", "template_name", "launched_at", "decision", "decision_note", "decided_at"):
            op.drop_column("launches", column)
    for table in ("launch_events", "launch_signoffs", "template_items", "launch_templates"):
        op.drop_table(table)


# --------------------------------------------------------------------------- schema


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _create_tables() -> None:
    op.create_table(
        "launch_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        _fk("launch_templates", "workspace_id", "workspaces", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_templates")),
        sa.UniqueConstraint("workspace_id", "name_key", name=op.f("uq_launch_templates_workspace_id")),
    )
    op.create_table(
        "template_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=80), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("due_offset", sa.Integer(), nullable=True),
        sa.Column("owner_role", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        _fk("template_items", "template_id", "launch_templates", "CASCADE"),
        _fk("template_items", "department_id", "departments", "CASCADE"),
        _fk("template_items", "owner_id", "people", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_items")),
    )
    with op.batch_alter_table("template_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_template_items_template_id"), ["template_id"], unique=False)
    op.create_table(
        "launch_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        _fk("launch_signoffs", "launch_id", "launches", "CASCADE"),
        _fk("launch_signoffs", "department_id", "departments", "CASCADE"),
        _fk("launch_signoffs", "by_id", "people", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_signoffs")),
        sa.UniqueConstraint("launch_id", "department_id", name=op.f("uq_launch_signoffs_launch_id")),
    )
    with op.batch_alter_table("launch_signoffs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launch_signoffs_launch_id"), ["launch_id"], unique=False)
    op.create_table(
        "launch_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        _fk("launch_events", "workspace_id", "workspaces", "CASCADE"),
        _fk("launch_events", "launch_id", "launches", "CASCADE"),
        _fk("launch_events", "actor_id", "people", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_events")),
    )
    with op.batch_alter_table("launch_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launch_events_launch_id"), ["launch_id"], unique=False)


def _add_columns() -> None:
    columns = {
        "launches": (
            sa.Column("status", sa.String(length=12), server_default="planned", nullable=False),
            sa.Column("template_name", sa.String(length=80), nullable=True),
            sa.Column("launched_at", storage.types.UTCDateTime(), nullable=True),
            sa.Column("decision", sa.String(length=16), nullable=True),
            sa.Column("decision_note", sa.String(length=500), nullable=True),
            sa.Column("decided_at", storage.types.UTCDateTime(), nullable=True),
        ),
        "tasks": (
            sa.Column("kind", sa.String(length=8), server_default="task", nullable=False),
            sa.Column("item_position", sa.Integer(), nullable=True),
            sa.Column("due_offset", sa.Integer(), nullable=True),
            sa.Column("owner_role", sa.String(length=8), nullable=True),
        ),
    }
    for table, added in columns.items():
        for column in added:
            if not _has_column(table, column.name):
                op.add_column(table, column)
    for table, names in PEOPLE_COLUMNS.items():
        _add_person_columns(table, [n for n in names if not _has_column(table, n)])


# Columns referring to a person (ON DELETE SET NULL), added to existing tables.
PEOPLE_COLUMNS = {"tasks": ("done_by_id",), "launches": ("owner_id", "decided_by_id")}
# What dropping each table cascades to on SQLite (see _add_person_columns): (table, key, column
# set null, or None when the rows are deleted).
CASCADED = {
    "tasks": (("task_events", "id", None),),
    "launches": (("checklist_items", "id", None), ("tasks", "id", "launch_id")),
}


def _has_column(table: str, column: str) -> bool:
    return any(c["name"] == column for c in sa.inspect(op.get_bind()).get_columns(table))


def _add_person_columns(table: str, columns: list[str]) -> None:
    """Nullable columns referring to ``people``, with their foreign keys.

    PostgreSQL adds them in place. SQLite cannot add a named foreign key to a table, so batch mode
    copies the table and drops the original; with foreign keys on (they are, and cannot be switched
    off inside the migration's transaction) that drop cascades: every task's history, every
    task's launch, every checklist item. So what it would cascade to is put aside in temporary
    tables first and put back after, in the same transaction.
    """
    if not columns:
        return
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for column in columns:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            name = op.f(f"fk_{table}_{column}_people")
            op.create_foreign_key(name, table, "people", [column], ["id"], ondelete="SET NULL")
        return
    kept = CASCADED[table]
    for child, key, column in kept:
        picked = f"{key}, {column}" if column else "*"
        where = f" WHERE {column} IS NOT NULL" if column else ""
        bind.exec_driver_sql(f"CREATE TEMP TABLE _kept_{child} AS SELECT {picked} FROM {child}{where}")
    with op.batch_alter_table(table, schema=None, recreate="always") as batch_op:
        for column in columns:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_{column}_people"), "people", [column], ["id"], ondelete="SET NULL"
            )
    for child, key, column in kept:
        if column:
            bind.exec_driver_sql(
                f"UPDATE {child} SET {column} = "
                f"(SELECT k.{column} FROM _kept_{child} k WHERE k.{key} = {child}.{key}) "
                f"WHERE {key} IN (SELECT {key} FROM _kept_{child})"
            )
        else:
            bind.exec_driver_sql(
                f"INSERT INTO {child} SELECT * FROM _kept_{child} "
                f"WHERE {key} NOT IN (SELECT {key} FROM {child})"
            )
        bind.exec_driver_sql(f"DROP TABLE _kept_{child}")


def _create_checklist_table() -> None:
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=80), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", storage.types.UTCDateTime(), nullable=True),
        _fk("checklist_items", "department_id", "departments", "CASCADE"),
        _fk("checklist_items", "done_by_id", "people", "SET NULL"),
        _fk("checklist_items", "launch_id", "launches", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_items")),
        sa.UniqueConstraint(
            "launch_id", "department_id", "position", name=op.f("uq_checklist_items_launch_id")
        ),
    )
    with op.batch_alter_table("checklist_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_items_launch_id"), ["launch_id"], unique=False)


# --------------------------------------------------------------------------- data

_META = sa.MetaData()
_UTC = storage.types.UTCDateTime()
WORKSPACES = sa.Table(
    "workspaces",
    _META,
    sa.Column("id", sa.Integer),
    sa.Column("language", sa.String),
    sa.Column("task_seq", sa.Integer),
)
DEPARTMENTS = sa.Table("departments", _META, sa.Column("id", sa.Integer), sa.Column("lead_id", sa.Integer))
LAUNCHES = sa.Table(
    "launches",
    _META,
    sa.Column("id", sa.Integer),
    sa.Column("workspace_id", sa.Integer),
    sa.Column("created_by_id", sa.Integer),
    sa.Column("created_at", _UTC),
    sa.Column("owner_id", sa.Integer),
    sa.Column("template_name", sa.String),
)
CHECKLIST = sa.Table(
    "checklist_items",
    _META,
    sa.Column("id", sa.Integer),
    sa.Column("launch_id", sa.Integer),
    sa.Column("department_id", sa.Integer),
    sa.Column("position", sa.Integer),
    sa.Column("text_key", sa.String),
    sa.Column("text", sa.String),
    sa.Column("done_by_id", sa.Integer),
    sa.Column("done_at", _UTC),
)
TASKS = sa.Table(
    "tasks",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer),
    sa.Column("number", sa.Integer),
    sa.Column("title", sa.String),
    sa.Column("department_id", sa.Integer),
    sa.Column("assignee_id", sa.Integer),
    sa.Column("creator_id", sa.Integer),
    sa.Column("due_date", sa.Date),
    sa.Column("priority", sa.String),
    sa.Column("launch_id", sa.Integer),
    sa.Column("status", sa.String),
    sa.Column("created_at", _UTC),
    sa.Column("updated_at", _UTC),
    sa.Column("done_at", _UTC),
    sa.Column("kind", sa.String),
    sa.Column("item_position", sa.Integer),
    sa.Column("owner_role", sa.String),
    sa.Column("done_by_id", sa.Integer),
)
TASK_EVENTS = sa.Table(
    "task_events",
    _META,
    sa.Column("workspace_id", sa.Integer),
    sa.Column("task_id", sa.Integer),
    sa.Column("actor_id", sa.Integer),
    sa.Column("at", _UTC),
    sa.Column("kind", sa.String),
    sa.Column("changes", sa.JSON),
)
NOTIFICATIONS = sa.Table("notifications", _META, sa.Column("id", sa.Integer), sa.Column("key", sa.String))


def _launch_owners(bind: Any) -> None:
    bind.execute(LAUNCHES.update().values(owner_id=LAUNCHES.c.created_by_id, template_name="standard"))


def _checklist_to_items(bind: Any) -> None:
    """One item task per checklist item, numbered after the workspace's tasks, with its history."""
    languages = {
        row.id: row.language for row in bind.execute(sa.select(WORKSPACES.c.id, WORKSPACES.c.language))
    }
    sequence = {
        row.id: row.task_seq for row in bind.execute(sa.select(WORKSPACES.c.id, WORKSPACES.c.task_seq))
    }
    leads = {row.id: row.lead_id for row in bind.execute(sa.select(DEPARTMENTS.c.id, DEPARTMENTS.c.lead_id))}
    rows = bind.execute(
        sa.select(CHECKLIST, LAUNCHES.c.workspace_id, LAUNCHES.c.created_by_id, LAUNCHES.c.created_at)
        .join(LAUNCHES, LAUNCHES.c.id == CHECKLIST.c.launch_id)
        .order_by(
            LAUNCHES.c.workspace_id, CHECKLIST.c.launch_id, CHECKLIST.c.department_id, CHECKLIST.c.position
        )
    ).all()
    now = datetime.now(UTC)
    for row in rows:
        sequence[row.workspace_id] += 1
        lang = "zh" if (languages.get(row.workspace_id) or "").startswith("zh") else "en"
        title = row.text or CHECKLIST_TEXTS[lang].get(row.text_key) or row.text_key
        done = row.done_at is not None
        task_id = bind.execute(
            TASKS.insert()
            .values(
                workspace_id=row.workspace_id,
                number=sequence[row.workspace_id],
                title=title[:300],
                department_id=row.department_id,
                assignee_id=leads.get(row.department_id),
                creator_id=row.created_by_id,
                due_date=None,
                priority="normal",
                launch_id=row.launch_id,
                status="done" if done else "todo",
                created_at=row.created_at,
                updated_at=row.done_at or row.created_at,
                done_at=row.done_at,
                kind=ITEM,
                item_position=row.position,
                owner_role="lead",
                done_by_id=row.done_by_id,
            )
            .returning(TASKS.c.id)
        ).scalar_one()
        events = [
            {
                "workspace_id": row.workspace_id,
                "task_id": task_id,
                "actor_id": row.created_by_id,
                "at": row.created_at,
                "kind": "created",
                "changes": {"title": [None, title], "migrated": [None, now.date().isoformat()]},
            }
        ]
        if done:
            events.append(
                {
                    "workspace_id": row.workspace_id,
                    "task_id": task_id,
                    "actor_id": row.done_by_id,
                    "at": row.done_at,
                    "kind": "status",
                    "changes": {"status": ["todo", "done"]},
                }
            )
        bind.execute(TASK_EVENTS.insert(), events)
    for workspace_id, value in sequence.items():
        bind.execute(WORKSPACES.update().where(WORKSPACES.c.id == workspace_id).values(task_seq=value))


def _items_to_checklist(bind: Any) -> None:
    rows = bind.execute(
        sa.select(TASKS)
        .where(
            TASKS.c.kind == ITEM,
            TASKS.c.launch_id.is_not(None),
            TASKS.c.status.in_(("todo", "in_progress", "blocked", "done")),
        )
        .order_by(TASKS.c.launch_id, TASKS.c.department_id, TASKS.c.item_position, TASKS.c.number)
    ).all()
    positions: dict[tuple[int, int], int] = {}
    for row in rows:
        slot = (row.launch_id, row.department_id)
        positions[slot] = positions.get(slot, 0) + 1
        done = row.status == "done"
        bind.execute(
            CHECKLIST.insert().values(
                launch_id=row.launch_id,
                department_id=row.department_id,
                position=positions[slot],
                text_key="",
                text=row.title,
                done_by_id=row.done_by_id if done else None,
                done_at=row.done_at if done else None,
            )
        )
    items = sa.select(TASKS.c.id).where(TASKS.c.kind == ITEM).scalar_subquery()
    bind.execute(TASK_EVENTS.delete().where(TASK_EVENTS.c.task_id.in_(items)))
    bind.execute(TASKS.delete().where(TASKS.c.kind == ITEM))


def _new_checkin_key(key: str) -> str | None:
    """``checkin:launch:7:2026-12-15:T-7`` -> ``checkin:launch:7:T-7``; the launch day keeps its
    date (``checkin:launch:7:T0:2026-12-15``): a postponed launch gets a go/no-go on its new day."""
    parts = key[len(CHECKIN_PREFIX) :].split(":")
    if len(parts) != 3 or parts[1].startswith("T"):
        return None  # not a key of the old form
    launch_id, day, label = parts
    return (
        f"{CHECKIN_PREFIX}{launch_id}:T0:{day}" if label == "T0" else f"{CHECKIN_PREFIX}{launch_id}:{label}"
    )


def _old_checkin_key(key: str) -> str | None:
    parts = key[len(CHECKIN_PREFIX) :].split(":")
    if len(parts) == 3 and parts[1] == "T0":
        return f"{CHECKIN_PREFIX}{parts[0]}:{parts[2]}:T0"
    return None  # without the date it was posted for, an old key cannot be rebuilt; harmless


def _rekey_checkins(bind: Any, rekey: Any) -> None:
    rows = bind.execute(
        sa.select(NOTIFICATIONS.c.id, NOTIFICATIONS.c.key).where(
            NOTIFICATIONS.c.key.like(CHECKIN_PREFIX + "%")
        )
    ).all()
    taken = {row.key for row in rows}
    for row in rows:
        new = rekey(row.key)
        if new is None or new in taken:
            continue
        taken.add(new)
        bind.execute(NOTIFICATIONS.update().where(NOTIFICATIONS.c.id == row.id).values(key=new))
