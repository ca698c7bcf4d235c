"""Launch feedback (``F12``), its +1s and history; launches remember the version they follow

New tables ``feedback``, ``feedback_votes`` and ``feedback_events``; ``workspaces`` gains
``feedback_seq`` (the last F-number, 0 for every existing workspace) and ``launches`` gains
``previous_id`` (the launch it is the next version of; NULL for every existing launch).

Revision ID: 0014
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def _source_columns() -> list[sa.Column]:
    return [
        sa.Column("source_channel", sa.String(length=64), nullable=True),
        sa.Column("source_thread", sa.String(length=64), nullable=True),
        sa.Column("source_message", sa.String(length=64), nullable=True),
        sa.Column("source_link", sa.String(length=500), nullable=True),
    ]


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of ``workspaces`` or ``launches`` would cascade its drop.
    op.add_column("workspaces", sa.Column("feedback_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("launches", sa.Column("previous_id", sa.Integer(), nullable=True))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE", name="fk_feedback_workspace_id_workspaces"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "launch_id",
            sa.Integer(),
            sa.ForeignKey("launches.id", ondelete="CASCADE", name="fk_feedback_launch_id_launches"),
            nullable=False,
        ),
        sa.Column(
            "carried_to_id",
            sa.Integer(),
            sa.ForeignKey("launches.id", ondelete="SET NULL", name="fk_feedback_carried_to_id_launches"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(length=12), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "author_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="SET NULL", name="fk_feedback_author_id_people"),
            nullable=True,
        ),
        sa.Column(
            "department_id",
            sa.Integer(),
            sa.ForeignKey(
                "departments.id", ondelete="SET NULL", name="fk_feedback_department_id_departments"
            ),
            nullable=True,
        ),
        sa.Column(
            "task_id",
            sa.Integer(),
            sa.ForeignKey("tasks.id", ondelete="SET NULL", name="fk_feedback_task_id_tasks"),
            nullable=True,
        ),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        *_source_columns(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint("workspace_id", "number", name="uq_feedback_workspace_id"),
    )
    op.create_index("ix_feedback_launch", "feedback", ["launch_id", "status"])
    op.create_index("ix_feedback_task", "feedback", ["task_id"])
    op.create_table(
        "feedback_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "feedback_id",
            sa.Integer(),
            sa.ForeignKey("feedback.id", ondelete="CASCADE", name="fk_feedback_votes_feedback_id_feedback"),
            nullable=False,
        ),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="CASCADE", name="fk_feedback_votes_person_id_people"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_votes"),
        sa.UniqueConstraint("feedback_id", "person_id", name="uq_feedback_votes_feedback_id"),
    )
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey(
                "workspaces.id", ondelete="CASCADE", name="fk_feedback_events_workspace_id_workspaces"
            ),
            nullable=False,
        ),
        sa.Column(
            "feedback_id",
            sa.Integer(),
            sa.ForeignKey("feedback.id", ondelete="CASCADE", name="fk_feedback_events_feedback_id_feedback"),
            nullable=False,
        ),
        sa.Column(
            "actor_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="SET NULL", name="fk_feedback_events_actor_id_people"),
            nullable=True,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback_events"),
    )
    op.create_index("ix_feedback_events_feedback_id", "feedback_events", ["feedback_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_events_feedback_id", table_name="feedback_events")
    op.drop_table("feedback_events")
    op.drop_table("feedback_votes")
    op.drop_index("ix_feedback_task", table_name="feedback")
    op.drop_index("ix_feedback_launch", table_name="feedback")
    op.drop_table("feedback")
    op.drop_column("launches", "previous_id")
    op.drop_column("workspaces", "feedback_seq")
