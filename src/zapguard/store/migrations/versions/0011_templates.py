"""Each Cloud API template's last known status and quality at Meta, per tenant (ZG507), and the
user's permission to send it while its quality is RED. Only a new table.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quality", sa.String(16), nullable=True),
        sa.Column("quality_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("allow_red", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("tenant_id", "name", name="pk_templates"),
    )


def downgrade() -> None:
    op.drop_table("templates")
