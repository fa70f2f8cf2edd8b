"""The gateway: provider routing on lines, the outbox, pacing lanes, API keys, the webhook inbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Self-contained, like 0001: it describes the schema as this revision made it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("lines") as batch:
        batch.add_column(sa.Column("provider_account", sa.String(200), nullable=True))
        batch.add_column(sa.Column("helpdesk_url", sa.Text(), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_lines_provider_provider_account"), ["provider", "provider_account"]
        )

    op.create_table(
        "outbox",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("public_id", sa.String(80), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("decision_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _instant("not_before", nullable=False),
        _instant("lease_until"),
        _instant("created_at", nullable=False),
        _instant("sent_at"),
        sa.Column("provider_message_id", sa.String(200), nullable=True),
        sa.Column("merged_into", sa.BigInteger(), nullable=True),
        sa.Column("delivery_status", sa.String(16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed', 'merged', 'cancelled')",
            name=op.f("ck_outbox_state"),
        ),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_outbox_line_id_lines")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_outbox_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("public_id", name=op.f("uq_outbox_public_id")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_outbox_tenant_id_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_outbox_line_id_state_not_before"), "outbox", ["line_id", "state", "not_before"]
    )
    op.create_index(
        op.f("ix_outbox_line_id_contact_sent_at"), "outbox", ["line_id", "contact", "sent_at"]
    )
    op.create_index(op.f("ix_outbox_provider_message_id"), "outbox", ["provider_message_id"])
    op.create_index(op.f("ix_outbox_state_lease_until"), "outbox", ["state", "lease_until"])

    op.create_table(
        "dispatch_lanes",
        sa.Column("line_id", sa.String(64), nullable=False),
        _instant("next_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_dispatch_lanes_line_id_lines")
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_dispatch_lanes")),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        _instant("created_at", nullable=False),
        _instant("revoked_at"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_api_keys_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_index(op.f("ix_api_keys_tenant_id"), "api_keys", ["tenant_id"])

    op.create_table(
        "webhook_inbox",
        sa.Column("id", _SERIAL, nullable=False),
        _instant("received_at", nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("line_id", sa.String(64), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
    )
    op.create_index(op.f("ix_webhook_inbox_received_at"), "webhook_inbox", ["received_at"])


def downgrade() -> None:
    op.drop_table("webhook_inbox")
    op.drop_table("api_keys")
    op.drop_table("dispatch_lanes")
    op.drop_table("outbox")
    with op.batch_alter_table("lines") as batch:
        batch.drop_constraint(op.f("uq_lines_provider_provider_account"), type_="unique")
        batch.drop_column("helpdesk_url")
        batch.drop_column("provider_account")
