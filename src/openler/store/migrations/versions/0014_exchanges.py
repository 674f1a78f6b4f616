"""VC API exchanges: interaction URLs for issuance and presentation

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("challenge", sa.String(length=100), nullable=False),
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("achievement_id", sa.String(length=36), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("holder_signs", sa.Boolean(), nullable=False),
        sa.Column("other_protocols", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=500), nullable=True),
        sa.Column("credential_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["presentation_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_exchanges_organization_id", "exchanges", ["organization_id"])
    op.create_index("ix_exchanges_request_id", "exchanges", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_exchanges_request_id", table_name="exchanges")
    op.drop_index("ix_exchanges_organization_id", table_name="exchanges")
    op.drop_table("exchanges")
