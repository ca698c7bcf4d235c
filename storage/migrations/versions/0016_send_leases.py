"""Send leases: ``send_leases`` (scope, holder, sending, until), one row per rate-limit scope

A new table with no data of its own: scopes get their row the first time a replica sends in them.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_leases",
        sa.Column("scope", sa.String(96), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("sending", sa.Boolean(), nullable=False),
        sa.Column("until", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_send_leases")),
    )


def downgrade() -> None:
    op.drop_table("send_leases")
