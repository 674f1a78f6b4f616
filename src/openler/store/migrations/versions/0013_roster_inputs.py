"""Roster inputs: a job's rows stored one per row, not in its payload

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 14:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_inputs",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("recipient_key", sa.String(length=400), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "row"),
    )
    with op.batch_alter_table("job_inputs", schema=None) as batch_op:
        batch_op.create_index("ix_job_inputs_recipient", ["job_id", "recipient_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_inputs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_inputs_recipient")
    op.drop_table("job_inputs")
