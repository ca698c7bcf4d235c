"""Index tasks on (workspace_id, done_at) for a digest's "done since the last digest"

A standup digest reads the tasks of a channel that are due, overdue, blocked or done since the
channel's last digest. The first three come through ``ix_tasks_open_due``; without this index
the last one reads every finished task of the workspace (half of all tasks, growing forever)
to keep the few finished since yesterday.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_done", ["workspace_id", "done_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_done")
