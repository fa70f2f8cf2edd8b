"""A number and a provider account are held only by a line in use (retired and banned lines free
them); a line may have no provider (a replayed log's lines are judged, never sent on); the outbox keeps a hash of what
defined each request, so a reused idempotency key with another body is refused.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_IN_USE = sa.text("state NOT IN ('retired', 'banned')")


def upgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.drop_constraint("uq_lines_phone", type_="unique")
        batch.drop_constraint("uq_lines_provider_provider_account", type_="unique")
        batch.alter_column("provider", existing_type=sa.String(32), nullable=True)
    for name, columns in (
        ("uq_lines_phone_in_use", ["phone"]),
        ("uq_lines_provider_account_in_use", ["provider", "provider_account"]),
    ):
        op.create_index(
            name, "lines", columns, unique=True, sqlite_where=_IN_USE, postgresql_where=_IN_USE
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("request_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("request_hash")
    op.drop_index("uq_lines_provider_account_in_use", table_name="lines")
    op.drop_index("uq_lines_phone_in_use", table_name="lines")
    with op.batch_alter_table("lines") as batch:
        batch.alter_column("provider", existing_type=sa.String(32), nullable=False)
        batch.create_unique_constraint("uq_lines_phone", ["phone"])
        batch.create_unique_constraint(
            "uq_lines_provider_provider_account", ["provider", "provider_account"]
        )
