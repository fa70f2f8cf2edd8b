"""Initial schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Self-contained on purpose (no imports from ``zapguard.store.schema``): a migration describes the
schema as it was, and must keep doing so after ``schema.py`` moves on. Instants are
``DateTime(timezone=True)``, the storage type behind ``zapguard.store.types.UTCDateTime``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = True, **options: object) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **options)  # type: ignore[arg-type]


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=op.f(name))


def _contact_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "contact"],
        ["contacts.tenant_id", "contacts.phone"],
        name=op.f(f"fk_{table}_tenant_id_contacts"),
    )


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
    )
    op.create_table(
        "lines",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("in_use_since", sa.Date(), nullable=False),
        sa.Column("pool", sa.String(64), nullable=False),
        sa.Column("device", sa.String(200), nullable=True),
        sa.Column("network", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        _instant("registered_at", nullable=False),
        sa.Column("ramp_anchor", sa.Date(), nullable=True),
        sa.Column("health_score", sa.Integer(), server_default="100", nullable=False),
        _instant("health_at"),
        _instant("last_human_at"),
        _instant("last_sent_at"),
        _one_of("role", ("receptive", "campaign"), "ck_lines_role"),
        _one_of("account", ("business", "personal"), "ck_lines_account"),
        _one_of(
            "state",
            ("warming", "active", "paused", "quarantined", "banned", "retired"),
            "ck_lines_state",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_lines_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lines")),
        sa.UniqueConstraint("phone", name=op.f("uq_lines_phone")),
    )
    op.create_index(op.f("ix_lines_tenant_id"), "lines", ["tenant_id"])
    op.create_index(op.f("ix_lines_device"), "lines", ["device"])
    op.create_index(op.f("ix_lines_network"), "lines", ["network"])

    op.create_table(
        "contacts",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        _instant("first_seen_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_contacts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "phone", name=op.f("pk_contacts")),
    )
    op.create_table(
        "consents",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        _instant("at", nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("wording", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=True),
        sa.Column("how", sa.String(64), nullable=True),
        _instant("recorded_at", nullable=False, server_default=sa.func.current_timestamp()),
        _one_of("kind", ("grant", "revoke"), "ck_consents_kind"),
        _contact_fk("consents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(
        op.f("ix_consents_tenant_id_contact_purpose_at"),
        "consents",
        ["tenant_id", "contact", "purpose", "at"],
    )
    op.create_table(
        "conversations",
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        _instant("first_inbound_at"),
        _instant("last_inbound_at"),
        _instant("last_outbound_at"),
        sa.Column("inbound_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outbound_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_conversations_line_id_lines")
        ),
        _contact_fk("conversations"),
        sa.PrimaryKeyConstraint("line_id", "contact", name=op.f("pk_conversations")),
    )
    op.create_index(
        op.f("ix_conversations_tenant_id_contact"), "conversations", ["tenant_id", "contact"]
    )
    op.create_table(
        "contact_stats",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(20), nullable=False),
        _instant("last_inbound_at"),
        _instant("last_outbound_at"),
        sa.Column("unanswered", sa.Integer(), server_default="0", nullable=False),
        _contact_fk("contact_stats"),
        sa.PrimaryKeyConstraint("tenant_id", "contact", name=op.f("pk_contact_stats")),
    )

    op.create_table(
        "banned_identifiers",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        _instant("banned_at", nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("line_id", sa.String(64), nullable=True),
        _one_of("kind", ("phone", "device", "network"), "ck_banned_identifiers_kind"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banned_identifiers")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_banned_identifiers_kind_value")),
    )
    op.create_table(
        "blocked_domains",
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        _instant("added_at", nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_blocked_domains")),
    )
    op.create_table(
        "text_fingerprints",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        _instant("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_fingerprints")),
    )
    op.create_index(
        op.f("ix_text_fingerprints_tenant_id_fingerprint_at"),
        "text_fingerprints",
        ["tenant_id", "fingerprint", "at"],
    )

    op.create_table(
        "events",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _instant("at", nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=True),
        sa.Column("contact", sa.String(20), nullable=True),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_tenant_id_at"), "events", ["tenant_id", "at"])
    op.create_index(op.f("ix_events_line_id_at"), "events", ["line_id", "at"])
    op.create_table(
        "decisions",
        sa.Column("id", _SERIAL, nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        _instant("at", nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("line", sa.String(64), nullable=True),
        _instant("not_before"),
        sa.Column("message_pt", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_tenant_id_at"), "decisions", ["tenant_id", "at"])

    op.create_table(
        "quota_reservations",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        _instant("at", nullable=False),
        sa.PrimaryKeyConstraint("key", "id", name=op.f("pk_quota_reservations")),
    )
    op.create_index(op.f("ix_quota_reservations_key_at"), "quota_reservations", ["key", "at"])
    op.create_index(op.f("ix_quota_reservations_at"), "quota_reservations", ["at"])


def downgrade() -> None:
    for table in (
        "quota_reservations",
        "decisions",
        "events",
        "text_fingerprints",
        "blocked_domains",
        "banned_identifiers",
        "contact_stats",
        "conversations",
        "consents",
        "contacts",
        "lines",
        "tenants",
    ):
        op.drop_table(table)  # dropping a table drops its indexes
