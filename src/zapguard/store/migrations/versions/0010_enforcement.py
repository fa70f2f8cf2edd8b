"""What Meta and WhatsApp enforce after the fact: each line's provider kind and Meta business
portfolio; each portfolio's messaging limit and the contacts it reached in the moving 24 hours
(ZG506); the per-user marketing limit failures of each contact (ZG905). Only new columns and
tables: nothing existing changes.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_KINDS = "provider_kind IN ('cloud', 'evolution', 'waha', 'web')"


def upgrade() -> None:
    # Plain ADD COLUMN: on SQLite a batch rebuild of ``lines`` would drop a table that the
    # outbox, conversations and secrets point to. SQLite cannot add a CHECK to an existing table,
    # so the kinds are checked there by the domain's enum only.
    op.add_column("lines", sa.Column("provider_kind", sa.String(16), nullable=True))
    op.add_column("lines", sa.Column("portfolio", sa.String(200), nullable=True))
    if op.get_context().dialect.name == "postgresql":
        op.create_check_constraint(op.f("ck_lines_provider_kind"), "lines", sa.text(_KINDS))
    op.create_table(
        "portfolios",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("msg_limit", sa.Integer(), nullable=True),
        sa.Column("limit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_portfolios"),
    )
    op.create_table(
        "portfolio_reaches",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("portfolio", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "portfolio", "contact", name="pk_portfolio_reaches"),
    )
    op.create_index(
        "ix_portfolio_reaches_tenant_id_portfolio_reached_at",
        "portfolio_reaches",
        ["tenant_id", "portfolio", "reached_at"],
    )
    op.create_table(
        "marketing_holds",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "contact", "key", name="pk_marketing_holds"),
    )
    op.create_index(
        "ix_marketing_holds_tenant_id_contact_at", "marketing_holds", ["tenant_id", "contact", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_marketing_holds_tenant_id_contact_at", table_name="marketing_holds")
    op.drop_table("marketing_holds")
    op.drop_index(
        "ix_portfolio_reaches_tenant_id_portfolio_reached_at", table_name="portfolio_reaches"
    )
    op.drop_table("portfolio_reaches")
    op.drop_table("portfolios")
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint("ck_lines_provider_kind", "lines", type_="check")
    op.drop_column("lines", "portfolio")  # SQLite 3.35+ drops a column in place
    op.drop_column("lines", "provider_kind")
