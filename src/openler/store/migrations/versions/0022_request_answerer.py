"""Presentation requests keep who answered them — the person's name and email as they were
when they consented — so the verifier sees them even if the account changes or goes

Revision ID: 0022
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("presentation_requests") as batch:
        batch.add_column(sa.Column("answered_name", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("answered_email", sa.String(length=320), nullable=True))
    # answers given before this revision: the answering person as they are now
    op.execute(
        "UPDATE presentation_requests SET "
        "answered_name = (SELECT name FROM people WHERE people.id = answered_by), "
        "answered_email = (SELECT email FROM people WHERE people.id = answered_by) "
        "WHERE answered_by IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("presentation_requests") as batch:
        batch.drop_column("answered_email")
        batch.drop_column("answered_name")
