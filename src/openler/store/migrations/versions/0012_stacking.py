"""Stacking: stacked achievements waiting for an issuer admin's approval

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openler.store.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stacking_queue",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("achievement_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("recipient_key", sa.String(length=400), nullable=False),
        sa.Column("recipient_email", sa.String(length=320), nullable=True),
        sa.Column("recipient_name", sa.String(length=300), nullable=True),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", openler.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", openler.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=400), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("credential_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stacking_queue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stacking_queue_holder", ["achievement_id", "recipient_key"], unique=False
        )
        batch_op.create_index(
            "ix_stacking_queue_waiting", ["organization_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stacking_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_stacking_queue_waiting")
        batch_op.drop_index("ix_stacking_queue_holder")
    op.drop_table("stacking_queue")
