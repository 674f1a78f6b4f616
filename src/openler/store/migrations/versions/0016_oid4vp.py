"""OpenID4VP requests: the request_uri and state digests and the answer

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vp_requests",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=400), nullable=False),
        sa.Column("request_token_hash", sa.String(length=64), nullable=False),
        sa.Column("request_token_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("vp_token", sa.JSON(), nullable=True),
        sa.Column("wallet_error", sa.JSON(), nullable=True),
        sa.Column("refused", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["presentation_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id"),
        sa.UniqueConstraint("request_token_hash"),
        sa.UniqueConstraint("state_hash"),
    )


def downgrade() -> None:
    op.drop_table("oid4vp_requests")
