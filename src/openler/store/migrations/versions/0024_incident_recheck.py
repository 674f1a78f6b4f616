"""Incident check-in: every responder checked again as of now — the presentations each
check-in showed kept, when each row's verdicts were made, and the incident's last re-check

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recheck_started_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("rechecked_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_recheck", sa.JSON(), nullable=True))
    with op.batch_alter_table("incident_checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("presentations", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("verified_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("recheck_pass", sa.String(length=32), nullable=True))
    # a row checked in before this was verified when it checked in
    op.execute("UPDATE incident_checkins SET verified_at = checked_at")
    with op.batch_alter_table("incident_checkins", schema=None) as batch_op:
        batch_op.alter_column("verified_at", existing_type=UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_checkins", schema=None) as batch_op:
        batch_op.drop_column("recheck_pass")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("presentations")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("last_recheck")
        batch_op.drop_column("rechecked_at")
        batch_op.drop_column("recheck_started_at")
