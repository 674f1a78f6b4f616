"""The issuer workspace: achievement versions, recipients without accounts, claims, the
outbox, roster job rows and progress, status reasons

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 14:23:34.851986
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openler.store.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", openler.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", openler.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_to_address"), ["to_address"], unique=False)

    op.create_table(
        "job_rows",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("recipient", sa.String(length=400), nullable=True),
        sa.Column("credential_id", sa.String(length=100), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "row"),
    )
    op.create_table(
        "achievement_versions",
        sa.Column("achievement_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("created_at", openler.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("achievement_id", "version"),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", openler.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", openler.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", openler.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("replacement_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claims_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claims_email"), ["email"], unique=False)

    with op.batch_alter_table("achievements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("updated_at", openler.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("retired_at", openler.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("image", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("image_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("column_map", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("requires", sa.JSON(), nullable=True))

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_id", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column(
                "kind", sa.String(length=40), server_default="OpenBadgeCredential", nullable=False
            )
        )
        batch_op.add_column(sa.Column("achievement_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recipient_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("recipient_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("recipient_name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("state_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("job_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("job_row", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_credentials_holding",
            ["organization_id", "achievement_id", "recipient_key"],
            unique=False,
        )
        batch_op.create_unique_constraint("uq_credentials_job_row", ["job_id", "job_row"])

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("total", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("done", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            batch_op.f("ix_jobs_organization_id"), ["organization_id"], unique=False
        )

    # what was there before: each achievement's definition is its version 1; a credential
    # issued to an account is held by that account's email
    op.execute(
        "INSERT INTO achievement_versions (achievement_id, version, data, valid_days, created_at) "
        "SELECT id, 1, data, valid_days, created_at FROM achievements"
    )
    op.execute("UPDATE credentials SET achievement_version = 1 WHERE achievement_id IS NOT NULL")
    op.execute(
        "UPDATE credentials SET recipient_key = 'email:' || "
        "(SELECT email FROM people WHERE people.id = credentials.person_id), "
        "recipient_email = (SELECT email FROM people WHERE people.id = credentials.person_id), "
        "recipient_name = (SELECT name FROM people WHERE people.id = credentials.person_id) "
        "WHERE person_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_organization_id"))
        batch_op.drop_column("done")
        batch_op.drop_column("total")
        batch_op.drop_column("organization_id")

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_constraint("uq_credentials_job_row", type_="unique")
        batch_op.drop_index("ix_credentials_holding")
        batch_op.drop_column("job_row")
        batch_op.drop_column("job_id")
        batch_op.drop_column("state_reason")
        batch_op.drop_column("recipient_name")
        batch_op.drop_column("recipient_email")
        batch_op.drop_column("recipient_key")
        batch_op.drop_column("achievement_version")
        batch_op.drop_column("kind")
        batch_op.drop_column("previous_id")

    with op.batch_alter_table("achievements", schema=None) as batch_op:
        batch_op.drop_column("requires")
        batch_op.drop_column("column_map")
        batch_op.drop_column("image_type")
        batch_op.drop_column("image")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_email"))
        batch_op.drop_index(batch_op.f("ix_claims_credential_id"))

    op.drop_table("claims")
    op.drop_table("achievement_versions")
    op.drop_table("job_rows")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_to_address"))
        batch_op.drop_index(batch_op.f("ix_outbox_organization_id"))

    op.drop_table("outbox")
