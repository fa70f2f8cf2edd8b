"""Indexes for the two reads that scanned the whole outbox: the followers of a merge
(``merged_into``, read by every status update and settlement) and a line's recent sends
(``line_id, sent_at``, with ``contact`` so the index alone answers it; read by the dispatcher's pair interval on every claim).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_merged_into", "outbox", ["merged_into"])
    op.create_index(
        "ix_outbox_line_id_sent_at_contact", "outbox", ["line_id", "sent_at", "contact"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_line_id_sent_at_contact", table_name="outbox")
    op.drop_index("ix_outbox_merged_into", table_name="outbox")
