"""Competency embeddings: the vectors of alignment suggestions, kept per item and model

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competency_embeddings",
        sa.Column(
            "competency_id",
            sa.String(36),
            sa.ForeignKey("competencies.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model", sa.String(100), primary_key=True),
        sa.Column(
            "framework_id",
            sa.String(64),
            sa.ForeignKey("skill_frameworks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=False),
    )
    op.create_index(
        "ix_competency_embeddings_framework_id", "competency_embeddings", ["framework_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_competency_embeddings_framework_id", "competency_embeddings")
    op.drop_table("competency_embeddings")
