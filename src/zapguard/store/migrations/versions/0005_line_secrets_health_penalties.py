"""Webhook secrets per line (provider, Chatwoot, helpdesk); health penalties, so a line's health is
the fold of its penalties in time order, whatever order the webhooks arrive in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "line_secrets",
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('webhook', 'chatwoot', 'helpdesk')", name=op.f("ck_line_secrets_kind")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_line_secrets_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("line_id", "kind", name=op.f("pk_line_secrets")),
    )
    op.create_table(
        "health_penalties",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_health_penalties_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_penalties")),
        sa.UniqueConstraint("line_id", "key", name=op.f("uq_health_penalties_line_id_key")),
    )
    op.create_index(op.f("ix_health_penalties_line_id_at"), "health_penalties", ["line_id", "at"])


def downgrade() -> None:
    op.drop_table("health_penalties")
    op.drop_table("line_secrets")
