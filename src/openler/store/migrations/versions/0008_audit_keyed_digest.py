"""audit events carry a keyed digest

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 10:00:00

Events written before this revision keep ``mac`` empty: ``openler audit verify`` checks them
by their chain alone and names how many there are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("mac")
