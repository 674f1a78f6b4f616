"""Verification rosters: the verdict of each item of a roster a verifier uploaded

Revision ID: 0020
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_verdicts",
        sa.Column(
            "job_id",
            sa.String(length=36),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("row", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("holder", sa.String(length=300), nullable=True),
        sa.Column("credential", sa.String(length=300), nullable=True),
        sa.Column("licence_number", sa.String(length=300), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=True),
        sa.Column("valid_until", sa.String(length=10), nullable=True),
        sa.Column("credential_id", sa.String(length=400), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_roster_verdicts_outcome", "roster_verdicts", ["job_id", "outcome", "row"])


def downgrade() -> None:
    op.drop_index("ix_roster_verdicts_outcome", table_name="roster_verdicts")
    op.drop_table("roster_verdicts")
