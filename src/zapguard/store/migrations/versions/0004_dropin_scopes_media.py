"""Deny-by-default drop-ins: API key scopes, the Cloud API business account of a line, the media
ids seen per line, and provider-neutral send options in the outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("scopes", sa.String(200), nullable=False, server_default=""))
    with op.batch_alter_table("lines") as batch:
        batch.add_column(sa.Column("business_account", sa.String(200), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))
    op.create_table(
        "seen_media",
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("media_id", sa.String(200), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("line_id", "media_id", name=op.f("pk_seen_media")),
    )
    op.create_index(
        op.f("ix_seen_media_tenant_id_media_id"), "seen_media", ["tenant_id", "media_id"]
    )
    op.create_index(op.f("ix_seen_media_seen_at"), "seen_media", ["seen_at"])


def downgrade() -> None:
    op.drop_table("seen_media")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("options")
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("business_account")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scopes")
