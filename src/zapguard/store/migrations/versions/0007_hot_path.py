"""The hot path: indexes for the two reads that scanned the whole outbox, and quota generations.

``ix_outbox_merged_into``: the followers of a merge, written by every status update and settlement.
``ix_outbox_line_id_sent_at_contact``: a line's recent sends, read by the dispatcher's pair
interval on every claim (with ``contact``, the index alone answers it). ``quota_heads``: the
generation of each quota key's reservations, which lets a process count a window from memory
while the database says nothing changed; ``line_heads``, the same for each tenant's line records.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # No rows: a key without one is at generation 0, read from its reservations on first use.
    op.create_table(
        "quota_heads",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_quota_heads")),
    )
    op.create_table(
        "line_heads",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_line_heads")),
    )
    op.create_index("ix_outbox_merged_into", "outbox", ["merged_into"])
    op.create_index(
        "ix_outbox_line_id_sent_at_contact", "outbox", ["line_id", "sent_at", "contact"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_line_id_sent_at_contact", table_name="outbox")
    op.drop_index("ix_outbox_merged_into", table_name="outbox")
    op.drop_table("line_heads")
    op.drop_table("quota_heads")
