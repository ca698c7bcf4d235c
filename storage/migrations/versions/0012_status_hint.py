"""People's chat status as a hint (Slack "Vacationing"): ``people.status_hint``

A nullable column, NULL for every existing person (nothing is known until their platform says).

Revision ID: 0012
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("status_hint", sa.String(length=100), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35), not a batch copy of ``people``: dropping the
    # old table there would fire its foreign keys' ON DELETE SET NULL (who checked an item off…).
    op.execute("ALTER TABLE people DROP COLUMN status_hint")
