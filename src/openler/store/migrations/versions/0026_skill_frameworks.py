"""Skills frameworks: frameworks, their items (skills, occupations …) and the relations
between them

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skill_frameworks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("source", sa.String(2000), nullable=True),
        sa.Column("version", sa.String(100), nullable=True),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
    )
    op.create_table(
        "competencies",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "framework_id",
            sa.String(64),
            sa.ForeignKey("skill_frameworks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("identifier", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("code", sa.String(100), nullable=True),
        sa.Column("label", sa.String(1000), nullable=False),
        sa.Column("alt_labels", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.UniqueConstraint("framework_id", "identifier"),
    )
    op.create_index("ix_competencies_framework_id", "competencies", ["framework_id"])
    op.create_index("ix_competencies_code", "competencies", ["code"])
    op.create_table(
        "competency_relations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "framework_id",
            sa.String(64),
            sa.ForeignKey("skill_frameworks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "source_id",
            sa.String(36),
            sa.ForeignKey("competencies.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "target_id",
            sa.String(36),
            sa.ForeignKey("competencies.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.UniqueConstraint("source_id", "target_id", "kind"),
    )
    for column in ("framework_id", "source_id", "target_id"):
        op.create_index(f"ix_competency_relations_{column}", "competency_relations", [column])


def downgrade() -> None:
    op.drop_table("competency_relations")
    op.drop_table("competencies")
    op.drop_table("skill_frameworks")
