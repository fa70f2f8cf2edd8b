"""The consent repository: contacts and the append-only evidence of their consent (seed tip 2).

Evidence is never updated or deleted (LGPD art. 8 §2: the controller must be able to show it);
the consent in force is derived from it, the same whatever order it was recorded in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from zapguard.domain.models import Consent, Contact
from zapguard.store.compiled import Compiled
from zapguard.store.schema import consents, contacts
from zapguard.store.statements import ensure_contact
from zapguard.store.unit_of_work import UnitOfWork

MARKETING = "marketing"

_CONTACT = select(contacts).where(
    contacts.c.tenant_id == bindparam("tenant_id"), contacts.c.phone == bindparam("phone")
)
_ROWS_ANY = (
    select(consents)
    .where(
        consents.c.tenant_id == bindparam("tenant_id"), consents.c.contact == bindparam("contact")
    )
    .order_by(consents.c.at, consents.c.id)
)
_FAST_ROWS_ANY = Compiled(_ROWS_ANY)
_FAST_ROWS = Compiled(_ROWS_ANY.where(consents.c.purpose == bindparam("purpose")))
_COLUMNS = tuple(consents.c.keys())


class ConsentLedger:
    def __init__(self, work: UnitOfWork) -> None:
        self._work = work

    def contact(self, *, tenant_id: str, phone: str) -> Contact | None:
        with self._work.read_connection("reading a contact") as connection:
            row = connection.execute(_CONTACT, {"tenant_id": tenant_id, "phone": phone}).first()
        if row is None:
            return None
        return Contact(tenant_id=row.tenant_id, phone=row.phone, aliases=tuple(row.aliases))

    def grant(self, *, consent: Consent) -> None:
        """Record a grant as new evidence (a revocation too, if ``consent`` carries one)."""
        if consent.granted_at is None:
            raise ValueError("consentimento sem data / consent without granted_at")
        with self._work.writing("recording consent") as connection:
            ensure_contact(connection, consent.tenant_id, consent.contact, consent.granted_at)
            connection.execute(
                consents.insert().values(
                    tenant_id=consent.tenant_id,
                    contact=consent.contact,
                    purpose=consent.purpose,
                    kind="grant",
                    at=consent.granted_at,
                    source=consent.source,
                    wording=consent.wording,
                    recorded_by=consent.recorded_by,
                )
            )
            if consent.revoked_at is not None:
                connection.execute(
                    consents.insert().values(
                        tenant_id=consent.tenant_id,
                        contact=consent.contact,
                        purpose=consent.purpose,
                        kind="revoke",
                        at=consent.revoked_at,
                        how=consent.revoked_how,
                        recorded_by=consent.recorded_by,
                    )
                )

    def revoke(
        self,
        *,
        tenant_id: str,
        contact: str,
        at: datetime,
        how: str,
        purpose: str = MARKETING,
        recorded_by: str | None = None,
    ) -> None:
        """Record a revocation. Recorded even when nothing was granted: the opt-out is evidence too."""
        with self._work.writing("revoking consent") as connection:
            ensure_contact(connection, tenant_id, contact, at)
            connection.execute(
                consents.insert().values(
                    tenant_id=tenant_id,
                    contact=contact,
                    purpose=purpose,
                    kind="revoke",
                    at=at,
                    how=how,
                    recorded_by=recorded_by,
                )
            )

    def current(self, *, tenant_id: str, contact: str, purpose: str = MARKETING) -> Consent | None:
        """The consent in force, derived from the evidence; ``None`` when nothing was ever recorded.

        The rule (evidence is append-only, LGPD art. 8 §2; each row has its own instant ``at`` and
        its place in the order rows were recorded):

        - a revocation defeats every grant recorded before it, whatever the instants: an opt-out
          that arrives after a grant was recorded revokes it, even when the opt-out's message is
          dated earlier (a webhook delayed or redelivered);
        - a revocation also defeats every grant dated at or before it: a grant recorded later but
          dated before the revocation (an old spreadsheet imported after an opt-out) does not bring
          consent back;
        - so only a grant both recorded after and dated after every revocation is in force; the
          latest such grant (by instant) is the consent.

        When no grant is in force, the latest grant (if any) comes back with ``revoked_at`` and
        ``revoked_how`` of the earliest revocation that defeats it; with no grant at all, a consent
        with ``granted_at=None`` carries the earliest revocation (the contact opted out). Earliest
        by instant, then by how: the answer never depends on the order the evidence came in.
        """
        rows = self._rows(tenant_id, contact, purpose)
        grants = [row for row in rows if row.kind == "grant"]
        revocations = [row for row in rows if row.kind != "grant"]

        def defeating(grant: SimpleNamespace) -> list[SimpleNamespace]:
            return [r for r in revocations if r.id > grant.id or r.at >= grant.at]

        def earliest(found: list[SimpleNamespace]) -> SimpleNamespace:
            return min(found, key=lambda r: (r.at, r.how or ""))

        in_force = [grant for grant in grants if not defeating(grant)]
        if in_force:
            return _consent(max(in_force, key=lambda r: (r.at, r.id)))
        if grants:
            latest = max(grants, key=lambda r: (r.at, r.id))
            revocation = earliest(defeating(latest))
            return replace(_consent(latest), revoked_at=revocation.at, revoked_how=revocation.how)
        if revocations:
            return _consent(earliest(revocations))
        return None

    def history(
        self, *, tenant_id: str, contact: str, purpose: str | None = MARKETING
    ) -> list[Consent]:
        """Every piece of evidence, oldest first: a grant has ``granted_at``, a revocation
        ``revoked_at``. ``purpose=None`` lists all purposes."""
        return [_consent(row) for row in self._rows(tenant_id, contact, purpose)]

    def _rows(self, tenant_id: str, contact: str, purpose: str | None) -> list[SimpleNamespace]:
        params = {"tenant_id": tenant_id, "contact": contact}
        query = _FAST_ROWS_ANY
        if purpose is not None:
            query, params["purpose"] = _FAST_ROWS, purpose
        with self._work.read_connection("reading consent") as connection:
            found = query.rows(connection, params)
        return [SimpleNamespace(**dict(zip(_COLUMNS, row, strict=True))) for row in found]


def _consent(row: SimpleNamespace) -> Consent:
    if row.kind == "grant":
        return Consent(
            tenant_id=row.tenant_id,
            contact=row.contact,
            purpose=row.purpose,
            granted_at=row.at,
            source=row.source or "",
            wording=row.wording,
            recorded_by=row.recorded_by,
        )
    return Consent(
        tenant_id=row.tenant_id,
        contact=row.contact,
        purpose=row.purpose,
        granted_at=None,
        source="",
        recorded_by=row.recorded_by,
        revoked_at=row.at,
        revoked_how=row.how,
    )
