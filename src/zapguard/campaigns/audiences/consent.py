"""Whether an audience row may receive a campaign: usable, no consent, or opted out.

The file's consent (a grant dated ``consent_at``) is judged together with the evidence already
stored for the contact, by the store's rule (:meth:`zapguard.store.consent.ConsentLedger.current`): the
file's grant is recorded after every stored piece of evidence, so a stored revocation defeats it
when dated at or after it; a stored grant is defeated by a revocation recorded after it or dated at
or after it. On top of that rule, an audience is conservative (LGPD art. 8 §5, seed tip 2):

- a contact whose latest stored record is a revocation is ``opted_out``, even when the file
  claims a later opt-in (a spreadsheet can be older than its dates say; the contact's own opt-out
  is the surer fact);
- a file that says "não" is ``no_consent``, whatever was stored before: the business says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from zapguard.store.audiences import Evidence


class Verdict(Enum):
    USABLE = "usable"
    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"


_FILE = 1 << 62
"""The place of the file's grant in the order of evidence: after everything stored."""


def judge(
    *, file_says: bool | None, file_at: datetime | None, stored: Sequence[Evidence]
) -> Verdict:
    """The verdict on a contact: ``file_says`` is the file's consent (``None`` when the file says
    nothing), ``file_at`` its date, ``stored`` the contact's evidence before this import."""
    if stored and max(stored, key=lambda e: (e.at, e.id)).kind != "grant":
        return Verdict.OPTED_OUT
    if file_says is False:
        return Verdict.NO_CONSENT
    evidence = list(stored)
    if file_says and file_at is not None:
        evidence.append(Evidence(id=_FILE, kind="grant", at=file_at, how=None))
    revocations = [e for e in evidence if e.kind != "grant"]
    for grant in (e for e in evidence if e.kind == "grant"):
        if not any(r.id > grant.id or r.at >= grant.at for r in revocations):
            return Verdict.USABLE
    return Verdict.OPTED_OUT if revocations else Verdict.NO_CONSENT
