"""Brazil's mobile 9th digit: ``+55 31 98877-6655`` (CRM form) and ``553188776655`` (an old WhatsApp
ID without the 9) are one person for consent and history, judged through the replay of a log."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from gateway_scene import TENANT, Gateway, open_gateway

from zapguard.audit.replay import Replayer
from zapguard.domain.phones import normalize
from zapguard.store import upgrade

CRM_FORM = "+55 31 98877-6655"
OLD_JID = "553188776655"

LINES = [
    {"type": "line", "id": "recv", "phone": "+55 11 91234-0001", "role": "receptive",
     "device": "moto-g", "network": "200.160.1.10", "in_use_since": "2024-01-15"},
    {"type": "line", "id": "camp", "phone": "+55 11 91234-0002", "role": "campaign",
     "device": "galaxy-a", "network": "187.20.2.20", "in_use_since": "2024-01-15"},
]  # fmt: skip


def consent(contact: str) -> dict[str, Any]:
    return {"type": "consent", "at": "2026-03-10T08:00:00-03:00", "contact": contact,
            "granted": True, "source": "formulario-site"}  # fmt: skip


def inbound(contact: str, text: str, at: str = "09:00", line: str = "recv") -> dict[str, Any]:
    return {"type": "inbound", "at": f"2026-03-10T{at}:00-03:00", "line": line,
            "contact": contact, "text": text}  # fmt: skip


def outbound(contact: str, category: str, line: str, at: str = "10:00") -> dict[str, Any]:
    return {"type": "outbound", "at": f"2026-03-10T{at}:00-03:00", "line": line,
            "contact": contact, "category": category, "author": "agent",
            "text": "Ana, 20% off hoje!" if category == "marketing" else "Olá, Ana!"}  # fmt: skip


@pytest.fixture
def gateway(sqlite_url: str) -> Iterator[Gateway]:
    upgrade(sqlite_url)
    gateway = open_gateway(sqlite_url, counters_url="memory://")
    yield gateway
    gateway.close()


def replay(gateway: Gateway, *records: dict[str, Any]) -> list[dict[str, Any]]:
    out = io.StringIO()
    Replayer(gateway.decider, gateway.events, TENANT, out).run(
        json.dumps(record) for record in [*LINES, *records]
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_both_forms_normalize_to_the_canonical_number_with_the_nine() -> None:
    assert normalize(CRM_FORM) == normalize(OLD_JID) == "+5531988776655"


@pytest.mark.parametrize(("granted_to", "sent_to"), [(CRM_FORM, OLD_JID), (OLD_JID, CRM_FORM)])
def test_consent_given_under_one_form_covers_marketing_to_the_other(
    gateway: Gateway, granted_to: str, sent_to: str
) -> None:
    [decision] = replay(gateway, consent(granted_to), outbound(sent_to, "marketing", "camp"))

    assert decision["verdict"] == "allow", decision
    assert decision["codes"] == []


def test_consent_recorded_for_another_number_does_not_cover_this_one(gateway: Gateway) -> None:
    [decision] = replay(
        gateway, consent("+55 31 98877-0000"), outbound(OLD_JID, "marketing", "camp")
    )

    assert decision["verdict"] == "reject"
    assert decision["codes"] == ["ZG201"]


def test_a_contact_who_wrote_under_the_old_id_may_get_replies_under_the_new_form(
    gateway: Gateway,
) -> None:
    [decision] = replay(
        gateway, inbound(OLD_JID, "Oi, e meu pedido?"), outbound(CRM_FORM, "reply", "recv")
    )

    assert decision == {**decision, "verdict": "allow", "codes": [], "line": "recv"}


def test_an_opt_out_from_the_old_id_revokes_the_consent_given_under_the_new_form(
    gateway: Gateway,
) -> None:
    [decision] = replay(
        gateway,
        consent(CRM_FORM),
        inbound(OLD_JID, "SAIR", line="camp"),
        outbound(CRM_FORM, "marketing", "camp", at="11:00"),
    )

    assert decision["verdict"] == "reject"
    assert {"ZG201", "ZG202"} <= set(decision["codes"])
