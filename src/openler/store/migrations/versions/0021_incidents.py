"""Incidents: check-in of responders against the roles an incident needs, and the copies
of issuers' documents kept for when an issuer cannot be reached

Revision ID: 0021
Revises: 0022 (main had 0022 on 0019 when this branch merged it)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "organization_id",
            sa.String(length=36),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("checkin_token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("checkin_token_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=300), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=300), nullable=True),
    )
    op.create_table(
        "incident_checkins",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "incident_id",
            sa.String(length=36),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("responder", sa.String(length=500), nullable=False),
        sa.Column(
            "person_id",
            sa.String(length=36),
            sa.ForeignKey("people.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("stale", sa.JSON(), nullable=False),
        sa.UniqueConstraint("incident_id", "responder"),
    )
    op.create_table(
        "incident_verdicts",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "checkin_id",
            sa.String(length=36),
            sa.ForeignKey("incident_checkins.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "incident_id",
            sa.String(length=36),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("credential", sa.String(length=300), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("valid_until", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.JSON(), nullable=True),
    )
    op.create_table(
        "incident_requests",
        sa.Column(
            "request_id",
            sa.String(length=36),
            sa.ForeignKey("presentation_requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "incident_id",
            sa.String(length=36),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
    )
    op.create_table(
        "fetched_copies",
        sa.Column("url", sa.String(length=2000), primary_key=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("fresh_until", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fetched_copies")
    op.drop_table("incident_requests")
    op.drop_table("incident_verdicts")
    op.drop_table("incident_checkins")
    op.drop_table("incidents")
