"""OpenID4VCI: credential offers, issuer nonces, credentials received from elsewhere

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from openler.store.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=100), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=True),
        sa.Column("configuration_id", sa.String(length=200), nullable=False),
        sa.Column("uri_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_length", sa.Integer(), nullable=True),
        sa.Column("tx_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("issued_id", sa.String(length=100), nullable=True),
        sa.Column("holder", sa.String(length=1000), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=400), nullable=False),
        sa.Column(
            "grant",
            sa.String(length=40),
            server_default="pre-authorized_code",
            nullable=False,
        ),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("client_id", sa.String(length=500), nullable=True),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("auth_code_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uri_hash"),
        sa.UniqueConstraint("code_hash"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("auth_code_hash"),
    )
    with op.batch_alter_table("oid4vci_offers", schema=None) as batch_op:
        batch_op.create_index("ix_oid4vci_offers_organization_id", ["organization_id"])
        batch_op.create_index("ix_oid4vci_offers_credential_id", ["credential_id"])
    op.create_table(
        "oid4vci_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nonce_hash"),
    )
    with op.batch_alter_table("oid4vci_nonces", schema=None) as batch_op:
        batch_op.create_index("ix_oid4vci_nonces_expires_at", ["expires_at"])
    op.create_table(
        "received_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("issuer", sa.String(length=1000), nullable=False),
        sa.Column("issuer_name", sa.String(length=300), nullable=False),
        sa.Column("credential_issuer", sa.String(length=1000), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("jwt", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("received_credentials", schema=None) as batch_op:
        batch_op.create_index("ix_received_credentials_person_id", ["person_id"])


def downgrade() -> None:
    op.drop_table("received_credentials")
    op.drop_table("oid4vci_nonces")
    op.drop_table("oid4vci_offers")
