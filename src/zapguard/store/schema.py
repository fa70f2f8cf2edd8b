"""The tables, as SQLAlchemy Core metadata: the one source the migrations are checked against.

Contacts are keyed by the canonical E.164 phone. A Brazilian mobile's 8-digit alias needs no lookup
table: :func:`zapguard.domain.phones.normalize` folds it into the canonical form before the store sees
it; ``contacts.aliases`` only records the other forms for people reading the data.

Consents are evidence (LGPD art. 8 §2): rows are only ever inserted, one per grant or revocation;
the current state is derived from them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)

from zapguard.domain.models import AccountType, LineState, ProviderKind, Role
from zapguard.store.types import UTCDateTime

# Named constraints, so migrations can address them on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")

BAN_KINDS = ("phone", "device", "network")
PHONE_FREEING_STATES = (LineState.RETIRED.value, LineState.BANNED.value)
"""A line in these states no longer holds its number nor its provider account: a retired number
may be used again, and a banned one is kept out by the ban registry (ZG601), which a replayed log
must be able to show."""
CONSENT_KINDS = ("grant", "revoke")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

_in_use = text("state NOT IN (" + ", ".join(f"'{state}'" for state in PHONE_FREEING_STATES) + ")")

lines = Table(
    "lines",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False, index=True),
    Column("phone", String(20), nullable=False),
    Column("role", String(16), nullable=False),
    Column("account", String(16), nullable=False),
    Column("in_use_since", Date, nullable=False),
    Column("pool", String(64), nullable=False),
    Column("device", String(200), index=True),
    Column("network", String(200), index=True),
    # ``[providers.<name>]`` the line sends through; NULL for a line that is only judged (replay).
    Column("provider", String(32)),
    Column("state", String(16), nullable=False),
    Column("daily_cap", Integer),
    Column("timezone", String(64), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("ramp_anchor", Date),
    Column("health_score", Integer, nullable=False, server_default="100"),
    Column("health_at", UTCDateTime),
    Column("last_human_at", UTCDateTime),
    Column("last_sent_at", UTCDateTime),
    # How the provider names this line (Cloud API phone_number_id, Evolution instance, WAHA
    # session): inbound webhooks are routed by (provider, provider_account).
    Column("provider_account", String(200)),
    # Where this line's provider webhooks are forwarded, so the helpdesk keeps working.
    Column("helpdesk_url", Text),
    # The Cloud API WhatsApp Business Account id the number belongs to: binds the template and
    # business-account calls of the Cloud API surface to the line's tenant.
    Column("business_account", String(200)),
    # Cloud API or which WhatsApp Web gateway (``ProviderKind``), and the Meta business portfolio
    # of a Cloud API number: the rules of Meta's and WhatsApp's own enforcement read them.
    Column("provider_kind", String(16)),
    Column("portfolio", String(200)),
    # One line in use per number and per provider account, across tenants; retired and banned
    # lines let both go (the same number on the Cloud API keeps its phone_number_id).
    Index(
        "uq_lines_phone_in_use",
        "phone",
        unique=True,
        sqlite_where=_in_use,
        postgresql_where=_in_use,
    ),
    Index(
        "uq_lines_provider_account_in_use",
        "provider",
        "provider_account",
        unique=True,
        sqlite_where=_in_use,
        postgresql_where=_in_use,
    ),
    _one_of("role", tuple(Role), "role"),
    _one_of("account", tuple(AccountType), "account"),
    _one_of("state", tuple(LineState), "state"),
    _one_of("provider_kind", tuple(ProviderKind), "provider_kind"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "phone"),
)


def _contact_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "contact"], ["contacts.tenant_id", "contacts.phone"])


consents = Table(
    "consents",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("source", String(64)),
    Column("wording", Text),
    Column("recorded_by", String(200)),
    Column("how", String(64)),
    # When the row was written, by the database's clock: evidence of when the proof was kept.
    Column("recorded_at", UTCDateTime, nullable=False, server_default=func.current_timestamp()),
    _contact_fk(),
    _one_of("kind", CONSENT_KINDS, "kind"),
    Index(None, "tenant_id", "contact", "purpose", "at"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("line_id", String(64), ForeignKey("lines.id"), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("first_inbound_at", UTCDateTime),
    Column("last_inbound_at", UTCDateTime),
    Column("last_outbound_at", UTCDateTime),
    Column("inbound_count", Integer, nullable=False, server_default="0"),
    Column("outbound_count", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("line_id", "contact"),
    _contact_fk(),
    Index(None, "tenant_id", "contact"),
)

contact_stats = Table(
    "contact_stats",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("last_inbound_at", UTCDateTime),
    Column("last_outbound_at", UTCDateTime),
    Column("unanswered", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("tenant_id", "contact"),
    _contact_fk(),
)

# Global on purpose: a number or device banned for one tenant is dangerous for all (ZG601).
banned_identifiers = Table(
    "banned_identifiers",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("value", String(200), nullable=False),
    Column("banned_at", UTCDateTime, nullable=False),
    Column("tenant_id", String(64)),
    Column("line_id", String(64)),
    UniqueConstraint("kind", "value"),
    _one_of("kind", BAN_KINDS, "kind"),
)

blocked_domains = Table(
    "blocked_domains",
    metadata,
    Column("domain", String(253), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

text_fingerprints = Table(
    "text_fingerprints",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "tenant_id", "fingerprint", "at"),
)

events = Table(
    "events",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("line_id", String(64)),
    Column("contact", String(20)),
    Column("code", String(32)),
    Column("data", JSON, nullable=False),
    Index(None, "tenant_id", "at"),
    Index(None, "line_id", "at"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("message", JSON, nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("codes", JSON, nullable=False),
    Column("line", String(64)),
    Column("not_before", UTCDateTime),
    Column("message_pt", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Index(None, "tenant_id", "at"),
)

quota_reservations = Table(
    "quota_reservations",
    metadata,
    Column("key", String(200), nullable=False),
    Column("id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("key", "id"),
    Index(None, "key", "at"),
    Index(None, "at"),
)

# One row per quota key: a number every write to the key's reservations (reserve, release, purge)
# bumps in its own transaction. A process keeps a key's recent instants in memory only while the
# generation it read is still the database's (zapguard.store.counters.windows); the row is also
# the lock that serializes one key's reservations.
quota_heads = Table(
    "quota_heads",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

# One row per tenant: a number every write to the tenant's lines bumps in its own transaction. A
# process keeps the tenant's line records in memory while it still reads the generation they were
# read or patched at (zapguard.store.line_cache).
line_heads = Table(
    "line_heads",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

OUTBOX_STATES = ("queued", "sending", "sent", "failed", "merged", "cancelled")

# The durable outbox: a row per accepted message, from the decision until the provider took it.
# ``public_id`` is the id the caller got back at once (later status webhooks carry it);
# ``idempotency_key`` is the caller's, unique per tenant, so a retried request never queues twice.
outbox = Table(
    "outbox",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("public_id", String(80), nullable=False, unique=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("line_id", String(64), ForeignKey("lines.id"), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("idempotency_key", String(200)),
    Column("category", String(16), nullable=False),
    Column("author", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("media_url", Text),
    # A Cloud API template (name, language, components) to send instead of ``text``.
    Column("template", JSON),
    # Provider-neutral send options asked through a drop-in: reply_to, link_preview, delay_ms.
    Column("options", JSON),
    Column("decision_id", BigInteger),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("not_before", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("provider_message_id", String(200)),
    Column("merged_into", BigInteger),
    Column("delivery_status", String(16)),
    Column("last_error", Text),
    # SHA-256 of what defined the request (contact, line, texts...): the same idempotency key with
    # another request is refused instead of answering the first message.
    Column("request_hash", String(64)),
    UniqueConstraint("tenant_id", "idempotency_key"),
    _one_of("state", OUTBOX_STATES, "state"),
    Index(None, "line_id", "state", "not_before"),
    Index(None, "line_id", "contact", "sent_at"),
    Index(None, "provider_message_id"),
    Index(None, "state", "lease_until"),
    # A status update writes a row and the followers its send carried (``merged_into``); the
    # dispatcher's pair interval reads a line's sends after an instant. Without these two, both
    # read the whole outbox (migration 0007).
    Index(None, "merged_into"),
    Index(None, "line_id", "sent_at", "contact"),
)

# One pacing lane per line: the earliest instant the dispatcher may send on it again (ZG503).
dispatch_lanes = Table(
    "dispatch_lanes",
    metadata,
    Column("line_id", String(64), ForeignKey("lines.id"), primary_key=True),
    Column("next_at", UTCDateTime, nullable=False),
)

# API keys, stored as SHA-256 of a 256-bit random secret: a fast hash is enough for keys nobody
# chose (no dictionary to try), and ``prefix`` finds the row without scanning.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    # Space-separated scopes beyond the ordinary calls ("admin": the provider surfaces'
    # administrative calls).
    Column("scopes", String(200), nullable=False, server_default=""),
)

# Webhook payloads zapguard could not understand, kept whole for a person to inspect.
webhook_inbox = Table(
    "webhook_inbox",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("source", String(32), nullable=False),
    Column("tenant_id", String(64)),
    Column("line_id", String(64)),
    Column("headers", JSON, nullable=False),
    Column("body", Text, nullable=False),
    Column("error", Text, nullable=False),
    Index(None, "received_at"),
)

# Short links zapguard wrote into messages (ZG703): the code is a hash of the URL, so the same link
# always gets the same code and a resend adds nothing.
short_links = Table(
    "short_links",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("url", Text, nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Messages a provider webhook already reported, per line: providers retry webhooks they think were
# lost, and a retried inbound message must not open a second conversation or send a second opt-out
# confirmation.
webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("line_id", String(64), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("line_id", "message_id"),
    Index(None, "received_at"),
)

# Cloud API media ids zapguard saw on a line (inbound webhook media, uploads through the Cloud API
# surface): a Graph media call names only the id, so this is what binds it to a tenant.
seen_media = Table(
    "seen_media",
    metadata,
    Column("line_id", String(64), nullable=False),
    Column("media_id", String(200), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("line_id", "media_id"),
    Index(None, "tenant_id", "media_id"),
    Index(None, "seen_at"),
)

LINE_SECRET_KINDS = ("webhook", "chatwoot", "helpdesk")

# Webhook secrets that belong to one line, apart from the line's row so that nothing that lists lines
# ever reads them: ``webhook`` proves the provider's webhooks for this line (WAHA HMAC key, Evolution
# instance token, the app secret of the tenant's own Meta app), ``chatwoot`` proves the Chatwoot
# inbox's webhooks, ``helpdesk`` is what zapguard signs the forwards to the line's helpdesk with.
# Kept in clear: an HMAC needs the key itself, a hash of it would verify nothing.
line_secrets = Table(
    "line_secrets",
    metadata,
    Column("line_id", String(64), ForeignKey("lines.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("secret", Text, nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("line_id", "kind"),
    _one_of("kind", LINE_SECRET_KINDS, "kind"),
)

# What each bad delivery outcome cost a line (ZG903). A line's health is the fold of these in time
# order (``policy.health.fold``), cached on ``lines.health_score``/``health_at``: whatever order the
# webhooks arrive in, the same penalties give the same health. ``key`` is unique per line (a
# provider's message id and status, for example), so a redelivered failure costs nothing twice.
health_penalties = Table(
    "health_penalties",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("line_id", String(64), ForeignKey("lines.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("points", Integer, nullable=False),
    Column("code", String(32)),
    Column("key", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False, server_default=func.current_timestamp()),
    UniqueConstraint("line_id", "key"),
    Index(None, "line_id", "at"),
)

# Who holds each named background job (dispatcher lanes, retention) when the coordination backend
# is this SQL database (``store.leases.table``): one row per job name. ``expires_at`` is epoch
# seconds, renewed by the holder's heartbeat; a holder that dies stops renewing and the job is
# free once it passes. ``token`` grows with every new grant: a fencing token.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("token", BigInteger, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# The messaging limit of each Meta business portfolio a tenant's Cloud API lines belong to (ZG506):
# ``msg_limit`` NULL is unlimited. ``limit_at`` is when that limit was learnt (a webhook's time, a
# person's, a replayed record's), NULL when it never was (the row only keeps the alert state, and the
# portfolio has the lowest tier): the latest wins, so tier webhooks arriving late or twice leave the
# same limit. ``alerted`` says the 80 % alert of
# the current crossing was raised (it is raised again only after the count fell below).
portfolios = Table(
    "portfolios",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("id", String(200), nullable=False),
    Column("msg_limit", Integer),
    Column("limit_at", UTCDateTime),
    Column("alerted", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("tenant_id", "id"),
)

# The last time each contact was reached outside the customer-service window by a line of each
# portfolio (ZG506): the portfolio's count is the contacts whose reach is less than 24 h old.
portfolio_reaches = Table(
    "portfolio_reaches",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("portfolio", String(200), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("reached_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "portfolio", "contact"),
    Index(None, "tenant_id", "portfolio", "reached_at"),
)

# Meta's per-user marketing limit (ZG905): each 131049 failure for a contact, once per ``key`` (a
# provider's message id and status), so the same webhook delivered again records nothing new. The
# hold is a function of these instants (``policy.marketing_hold``), whatever order they came in.
marketing_holds = Table(
    "marketing_holds",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("contact", String(20), nullable=False),
    Column("key", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "contact", "key"),
    Index(None, "tenant_id", "contact", "at"),
)

# Each Cloud API template's last known state at Meta (ZG507), per tenant and name: the status and
# the quality are each the one told for the latest instant (ties: the more restrictive), so
# webhooks arriving late, twice or out of order leave the same state. ``allow_red`` is the user's.
templates = Table(
    "templates",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("name", String(512), nullable=False),
    Column("status", String(32)),
    Column("status_at", UTCDateTime),
    Column("quality", String(16)),
    Column("quality_at", UTCDateTime),
    Column("allow_red", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("tenant_id", "name"),
)

AUDIENCE_STATES = ("importing", "ready")
EXCLUSION_REASONS = ("invalid_phone", "duplicate", "no_consent", "opted_out")

# An imported contact list (``zapguard audience import``). A re-import of the same name writes a new
# row in state ``importing`` and swaps it for the ``ready`` one only when it has finished, so a
# failed import never leaves half a list where a whole one was: one ``ready`` and at most one
# ``importing`` row per (tenant, name).
audiences = Table(
    "audiences",
    metadata,
    Column("id", _SERIAL, primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("source", String(500), nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    # The placeholder names the file's other columns became, in file order.
    Column("fields", JSON, nullable=False),
    Column("row_count", Integer, nullable=False, server_default="0"),
    Column("usable", Integer, nullable=False, server_default="0"),
    Column("invalid_phone", Integer, nullable=False, server_default="0"),
    Column("duplicate", Integer, nullable=False, server_default="0"),
    Column("no_consent", Integer, nullable=False, server_default="0"),
    Column("opted_out", Integer, nullable=False, server_default="0"),
    UniqueConstraint("tenant_id", "name", "state"),
    _one_of("state", AUDIENCE_STATES, "state"),
)

# One row per row of the file, excluded ones included (nothing is dropped silently): ``file_line``
# is the file's line number (the header is line 1); ``reason`` is NULL for a usable contact, else
# the problem's code, with ``value`` the cell (or contact) that explains it.
audience_members = Table(
    "audience_members",
    metadata,
    Column("audience_id", BigInteger, ForeignKey("audiences.id"), nullable=False),
    Column("file_line", Integer, nullable=False),
    Column("contact", String(20)),
    Column("name", Text),
    Column("fields", JSON),
    Column("reason", String(32)),
    Column("value", Text),
    PrimaryKeyConstraint("audience_id", "file_line"),
)
