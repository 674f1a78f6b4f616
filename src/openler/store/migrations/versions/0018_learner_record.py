"""The learner's record: imported credentials beside received ones, self-reported entries,
share view limits and the log of who opened a share, a person's language

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("received_credentials") as table:
        table.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="oid4vci")
        )
        table.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        table.add_column(sa.Column("verification_note", sa.Text(), nullable=True))
        table.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("parent_id", sa.String(length=36), nullable=True))
        table.add_column(sa.Column("original", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("original_type", sa.String(length=100), nullable=True))
        table.create_index("ix_received_credentials_digest", ["person_id", "digest"])
    op.create_table(
        "self_reported",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "person_id",
            sa.String(length=36),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("organization", sa.String(length=300), nullable=True),
        sa.Column("started", sa.String(length=10), nullable=True),
        sa.Column("ended", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
    )
    with op.batch_alter_table("shares") as table:
        table.add_column(sa.Column("max_views", sa.Integer(), nullable=True))
        table.add_column(
            sa.Column("whole_record", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "share_views",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "share_id",
            sa.String(length=36),
            sa.ForeignKey("shares.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("viewed_at", UTCDateTime(), nullable=False),
        sa.Column(
            "viewer_person_id",
            sa.String(length=36),
            sa.ForeignKey("people.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("viewer_organization", sa.String(length=300), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
    )
    with op.batch_alter_table("people") as table:
        table.add_column(sa.Column("locale", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as table:
        table.drop_column("locale")
    op.drop_table("share_views")
    with op.batch_alter_table("shares") as table:
        table.drop_column("whole_record")
        table.drop_column("max_views")
    op.drop_table("self_reported")
    with op.batch_alter_table("received_credentials") as table:
        table.drop_index("ix_received_credentials_digest")
        for column in (
            "original_type",
            "original",
            "parent_id",
            "digest",
            "verification_note",
            "verified",
            "source",
        ):
            table.drop_column(column)
