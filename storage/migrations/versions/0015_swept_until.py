"""The scheduler's sweep mark: ``workspaces.swept_until``

A nullable column, NULL for every existing workspace: its first tick after the upgrade sets it, so
nothing from before the upgrade is caught up; from then on a slot between the mark and a tick
(coordbot was down, or the console's clock jumped) goes through the rules for late posts.

Revision ID: 0015
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("swept_until", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35), not a batch copy of ``workspaces``: dropping
    # the old table there would cascade to every row that belongs to a workspace.
    op.execute("ALTER TABLE workspaces DROP COLUMN swept_until")
