"""Tasks carry a description and the message they were made from; thread updates can be muted

``tasks`` gains ``description`` and the source message (platform channel, thread, message id and
a link to it), and ``quiet`` (no replies in the source thread for this task); ``workspaces``
gains ``thread_updates`` (admins turn replies in source threads off for everyone). Existing
tasks have no source and no description; every workspace keeps thread updates on.

Revision ID: 0009
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (SQLite has them): a batch table copy of ``workspaces`` would cascade its
    # drop into every table that references it.
    op.add_column("tasks", sa.Column("description", sa.Text(), nullable=True))
    for name, length in (
        ("source_channel", 64),
        ("source_thread", 64),
        ("source_message", 64),
        ("source_link", 500),
    ):
        op.add_column("tasks", sa.Column(name, sa.String(length=length), nullable=True))
    op.add_column("tasks", sa.Column("quiet", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column(
        "workspaces", sa.Column("thread_updates", sa.Boolean(), nullable=False, server_default=sa.true())
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), for the same reason: no table copies.
    op.drop_column("workspaces", "thread_updates")
    for column in (
        "quiet",
        "source_link",
        "source_message",
        "source_thread",
        "source_channel",
        "description",
    ):
        op.drop_column("tasks", column)
