"""Exchanges: the claim an issuance offers, and the sealed secret its maker's page shows

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchanges") as table:
        table.add_column(sa.Column("claim_id", sa.String(length=36), nullable=True))
        table.add_column(sa.Column("secret_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchanges") as table:
        table.drop_column("secret_sealed")
        table.drop_column("claim_id")
