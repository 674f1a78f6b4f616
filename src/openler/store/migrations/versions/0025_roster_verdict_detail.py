"""Verification roster verdicts: an issuer only claimed, the reason's technical detail, and
a list's line as uploaded

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster_verdicts") as table:
        table.add_column(
            sa.Column("issuer_claimed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("detail", sa.Text(), nullable=True))
        table.add_column(sa.Column("cells", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roster_verdicts") as table:
        table.drop_column("cells")
        table.drop_column("detail")
        table.drop_column("issuer_claimed")
