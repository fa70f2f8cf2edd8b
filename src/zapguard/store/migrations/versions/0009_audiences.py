"""Audiences: imported contact lists and their rows, excluded ones with the reason. Only new
tables: nothing existing changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audiences",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("usable", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("invalid_phone", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("duplicate", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("no_consent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("opted_out", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_audiences"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_audiences_tenant_id_tenants"
        ),
        sa.UniqueConstraint("tenant_id", "name", "state", name="uq_audiences_tenant_id_name_state"),
        sa.CheckConstraint("state IN ('importing', 'ready')", name="ck_audiences_state"),
    )
    op.create_table(
        "audience_members",
        sa.Column("audience_id", sa.BigInteger(), nullable=False),
        sa.Column("file_line", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(20)),
        sa.Column("name", sa.Text()),
        sa.Column("fields", sa.JSON()),
        sa.Column("reason", sa.String(32)),
        sa.Column("value", sa.Text()),
        sa.PrimaryKeyConstraint("audience_id", "file_line", name="pk_audience_members"),
        sa.ForeignKeyConstraint(
            ["audience_id"], ["audiences.id"], name="fk_audience_members_audience_id_audiences"
        ),
    )


def downgrade() -> None:
    op.drop_table("audience_members")
    op.drop_table("audiences")
