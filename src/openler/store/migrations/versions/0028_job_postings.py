"""Job postings of employers, their required and preferred skills, and the people who chose
to be discoverable by employers

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_postings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "organization_id",
            sa.String(36),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(300), nullable=True),
        sa.Column("occupation_code", sa.String(20), nullable=True),
        sa.Column("occupation_label", sa.String(300), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_job_postings_organization_id", "job_postings", ["organization_id"])
    op.create_table(
        "posting_requirements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "posting_id",
            sa.String(36),
            sa.ForeignKey("job_postings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "competency_id",
            sa.String(36),
            sa.ForeignKey("competencies.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("framework_id", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("label", sa.String(1000), nullable=False),
        sa.Column("code", sa.String(100), nullable=True),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_posting_requirements_posting_id", "posting_requirements", ["posting_id"])
    op.create_table(
        "discoverable_people",
        sa.Column(
            "person_id",
            sa.String(36),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("since", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("discoverable_people")
    op.drop_table("posting_requirements")
    op.drop_table("job_postings")
