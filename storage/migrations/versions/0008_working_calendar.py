"""A working calendar: holiday regions, company days, working hours, away time

Workspaces and departments get a public-holiday region (NULL: not chosen, the default follows
the workspace language); workspaces get working hours and a late-post grace window; people get
their own working hours and away time (with a backup); ``company_days`` holds each workspace's
own days off and extra working days. Existing rows keep everything and take the defaults.

Revision ID: 0008
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD/DROP COLUMN, never a batch "move and copy": on SQLite, recreating a
    # table that others reference fires their ON DELETE actions (department members, leads …).
    op.add_column("workspaces", sa.Column("holiday_region", sa.String(length=16), nullable=True))
    for name, value in (("work_start", "09:00"), ("work_end", "18:00")):
        column = sa.Column(name, sa.String(length=5), server_default=value, nullable=False)
        op.add_column("workspaces", column)
    op.add_column(
        "workspaces", sa.Column("late_grace_minutes", sa.Integer(), server_default="120", nullable=False)
    )
    op.add_column("departments", sa.Column("holiday_region", sa.String(length=16), nullable=True))
    op.add_column("people", sa.Column("work_start", sa.String(length=5), nullable=True))
    op.add_column("people", sa.Column("work_end", sa.String(length=5), nullable=True))
    op.add_column("people", sa.Column("away_from", sa.Date(), nullable=True))
    op.add_column("people", sa.Column("away_until", sa.Date(), nullable=True))
    op.add_column("people", sa.Column("away_backup_id", sa.Integer(), nullable=True))
    op.create_table(
        "company_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_company_days_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_days")),
        sa.UniqueConstraint("workspace_id", "day", name=op.f("uq_company_days_workspace_id")),
    )


def downgrade() -> None:
    op.drop_table("company_days")
    for column in ("away_backup_id", "away_until", "away_from", "work_end", "work_start"):
        op.drop_column("people", column)
    op.drop_column("departments", "holiday_region")
    for column in ("late_grace_minutes", "work_end", "work_start", "holiday_region"):
        op.drop_column("workspaces", column)
