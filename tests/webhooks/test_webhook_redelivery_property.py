"""Any sequence of webhooks, delivered in any order and any number of times, gives the same state
as the sequence delivered once in time order (issue 7, "How it is checked").

The webhooks are the providers' documented shapes (Cloud API, Evolution API, WAHA, Chatwoot) for
both tenants' lines: inbound messages (opt-out keywords among them), statuses with and without
failures, Meta preference stops, lost connections and a person's answers. The state compared is
everything the policy reads: conversations, consent, health and its clock, line state, human
activity, and the events that matter (kind, line, contact, code, instant)."""

from __future__ import annotations

import copy
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webhook_payloads import load
from webhook_scene import ANA, BY_ID, LINES, NOW, Scene, build_scene, open_scene, retarget

from zapguard.store import Store

OTHER = "+5531988776644"
WA_IDS = {ANA: "553188776655", OTHER: "553188776644"}  # as WhatsApp sends them: no 9th digit
TEXTS = ["Oi", "Quanto custa?", "SAIR", "parar", "Obrigada!"]


@dataclass(frozen=True)
class Webhook:
    """One webhook a provider sends: about ``line``, at ``at``."""

    line: str
    at: datetime
    payload: dict[str, Any]
    chatwoot: bool = False


def unix(at: datetime) -> int:
    return int(at.timestamp())


def evolution_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- the documented payloads, with what varies -----------------------------------------------------


def cloud_inbound(line: str, at: datetime, n: int, contact: str, text: str) -> Webhook:
    payload = retarget(load("cloud_text"), "cloud", BY_ID[line].account)
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = WA_IDS[contact]
    value["messages"][0].update(
        {"from": WA_IDS[contact], "id": f"wamid.IN{n}", "timestamp": str(unix(at))}
    )
    value["messages"][0]["text"]["body"] = text
    return Webhook(line, at, payload)


def cloud_status(line: str, at: datetime, n: int, status: str, code: int | None) -> Webhook:
    payload = retarget(load("cloud_status_failed"), "cloud", BY_ID[line].account)
    entry = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry.update({"id": f"wamid.OUT{n}", "status": status, "timestamp": str(unix(at))})
    entry.pop("biz_opaque_callback_data")
    if code is None or status != "failed":
        entry.pop("errors")
    else:
        entry["errors"][0]["code"] = code
    return Webhook(line, at, payload)


def cloud_stop(line: str, at: datetime, contact: str) -> Webhook:
    payload = retarget(load("cloud_user_preferences_stop"), "cloud", BY_ID[line].account)
    preference = payload["entry"][0]["changes"][0]["value"]["user_preferences"][0]
    preference.update({"wa_id": WA_IDS[contact], "timestamp": unix(at)})
    return Webhook(line, at, payload)


def evolution_inbound(line: str, at: datetime, n: int, contact: str, text: str) -> Webhook:
    payload = retarget(load("evolution_messages_upsert"), "evolution", BY_ID[line].account)
    payload["data"]["key"].update(
        {"remoteJid": f"{WA_IDS[contact]}@s.whatsapp.net", "id": f"3EB0IN{n:06d}"}
    )
    payload["data"]["message"] = {"conversation": text}
    payload["data"]["messageTimestamp"] = unix(at)
    payload["date_time"] = evolution_time(at)
    return Webhook(line, at, payload)


def evolution_typed(line: str, at: datetime, n: int, contact: str) -> Webhook:
    payload = retarget(load("evolution_messages_upsert_from_me"), "evolution", BY_ID[line].account)
    payload["data"]["key"].update(
        {"remoteJid": f"{WA_IDS[contact]}@s.whatsapp.net", "id": f"3EB0ME{n:06d}"}
    )
    payload["data"]["messageTimestamp"] = unix(at)
    payload["date_time"] = evolution_time(at)
    return Webhook(line, at, payload)


def evolution_status(line: str, at: datetime, n: int, status: str) -> Webhook:
    payload = retarget(load("evolution_messages_update"), "evolution", BY_ID[line].account)
    payload["data"].update({"keyId": f"3EB0OUT{n:06d}", "status": status})
    payload["date_time"] = evolution_time(at)
    return Webhook(line, at, payload)


def evolution_closed(line: str, at: datetime, reason: int) -> Webhook:
    payload = retarget(load("evolution_connection_update_401"), "evolution", BY_ID[line].account)
    payload["data"]["statusReason"] = reason
    payload["date_time"] = evolution_time(at)
    return Webhook(line, at, payload)


def waha_inbound(line: str, at: datetime, n: int, contact: str, text: str) -> Webhook:
    payload = retarget(load("waha_message"), "waha", BY_ID[line].account)
    chat = f"{WA_IDS[contact]}@c.us"
    payload["id"] = f"evt_in_{n}"
    payload["timestamp"] = unix(at) * 1000
    payload["payload"].update(
        {"id": f"false_{chat}_IN{n}", "timestamp": unix(at), "from": chat, "body": text}
    )
    return Webhook(line, at, payload)


def waha_ack(line: str, at: datetime, n: int, ack: int) -> Webhook:
    payload = retarget(load("waha_message_ack"), "waha", BY_ID[line].account)
    payload["id"] = f"evt_ack_{n}"
    payload["timestamp"] = unix(at) * 1000
    payload["payload"].update({"id": f"true_5531988776655@c.us_OUT{n}", "ack": ack})
    payload["payload"].pop("ackName")
    return Webhook(line, at, payload)


def waha_session(line: str, at: datetime, status: str) -> Webhook:
    payload = retarget(load("waha_session_status"), "waha", BY_ID[line].account)
    payload["timestamp"] = unix(at) * 1000
    payload["payload"] = {"status": status}
    return Webhook(line, at, payload)


def chatwoot_answer(line: str, at: datetime, n: int, agent: bool) -> Webhook:
    payload = load("chatwoot_agent_message" if agent else "chatwoot_bot_message")
    payload["id"] = 9000 + n
    payload["created_at"] = evolution_time(at)
    return Webhook(line, at, payload, chatwoot=True)


# -- strategies ------------------------------------------------------------------------------------

instants = st.integers(0, 72 * 60).map(lambda minutes: NOW - timedelta(minutes=minutes))
contacts = st.sampled_from([ANA, OTHER])
texts = st.sampled_from(TEXTS)


def webhook(n: int) -> st.SearchStrategy[Webhook]:
    """The ``n``-th webhook of a sequence (``n`` keeps its ids apart from the others')."""
    cloud = st.sampled_from(["a-meta", "b-meta", "a-bsp", "b-bsp"])
    evo = st.sampled_from(["a-evo", "b-evo"])
    waha = st.sampled_from(["a-waha", "b-waha"])
    failure = st.sampled_from([None, 131048, 131049, 131026, 470, 131031])
    outcome = st.sampled_from(["delivered", "read", "failed"])
    return st.one_of(
        st.builds(cloud_inbound, cloud, instants, st.just(n), contacts, texts),
        st.builds(cloud_status, cloud, instants, st.just(n), outcome, failure),
        st.builds(cloud_stop, cloud, instants, contacts),
        st.builds(evolution_inbound, evo, instants, st.just(n), contacts, texts),
        st.builds(evolution_typed, evo, instants, st.just(n), contacts),
        st.builds(evolution_status, evo, instants, st.just(n), st.sampled_from(["READ", "ERROR"])),
        st.builds(evolution_closed, evo, instants, st.sampled_from([401, 403, 428, 515])),
        st.builds(waha_inbound, waha, instants, st.just(n), contacts, texts),
        st.builds(waha_ack, waha, instants, st.just(n), st.sampled_from([-1, 2, 3])),
        st.builds(waha_session, waha, instants, st.sampled_from(["WORKING", "FAILED"])),
        st.builds(
            chatwoot_answer,
            st.sampled_from(["a-meta", "b-meta"]),
            instants,
            st.just(n),
            st.booleans(),
        ),
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Webhook], list[int]]:
    """Distinct webhooks, and a delivery order: each delivered one to three times, any order."""
    size = draw(st.integers(1, 14))
    webhooks = [draw(webhook(n)) for n in range(size)]
    deliveries = [i for i in range(size) for _ in range(draw(st.integers(1, 3)))]
    order = draw(st.permutations(deliveries))
    return webhooks, list(order)


# -- the two runs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with both tenants, lines and secrets, made once and copied for each run."""
    folder = tmp_path_factory.mktemp("seeded")
    scene = build_scene(f"sqlite:///{folder / 'seed.db'}")
    scene.store.close()
    return folder / "seed.db"


@dataclass
class Runs:
    seeded: Path
    folder: Path
    count: int = 0

    def fresh(self) -> Scene:
        self.count += 1
        copy_to = self.folder / f"run-{self.count}.db"
        shutil.copyfile(self.seeded, copy_to)
        return open_scene(Store(f"sqlite:///{copy_to}"))


@pytest.fixture(scope="module")
def runs(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    yield Runs(seeded, tmp_path_factory.mktemp("runs"))


def deliver(scene: Scene, webhook: Webhook) -> int:
    receipt = scene.post(webhook.line, copy.deepcopy(webhook.payload), chatwoot=webhook.chatwoot)
    assert receipt.status_code == 200, receipt.body
    return len(receipt.replies)


def state(scene: Scene) -> dict[str, Any]:
    """Everything the policy reads, in a form that does not depend on the order it was written."""
    store = scene.store
    lines = {}
    for spec in LINES:
        record = scene.record(spec.id)
        lines[spec.id] = (
            record.line.state,
            record.health_score,
            record.health_at,
            record.last_human_at,
        )
    people = {}
    for tenant in ("loja-a", "loja-b"):
        for contact in (ANA, OTHER):
            consent = store.consent.current(tenant_id=tenant, contact=contact)
            people[(tenant, contact)] = (
                None if consent is None else (consent.active, consent.revoked_at),
                store.conversations.of_contact(tenant_id=tenant, contact=contact),
                store.conversations.contact_stats(tenant_id=tenant, contact=contact),
            )
    logged = Counter(
        (e.kind, e.line_id, e.contact, e.code, e.at)
        for tenant in ("loja-a", "loja-b")
        for e in store.journal.events(tenant_id=tenant, limit=10_000)
    )
    return {"lines": lines, "people": people, "events": logged}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories())
def test_any_order_and_any_repetition_gives_the_state_of_one_delivery_in_time_order(
    runs: Runs, history: tuple[list[Webhook], list[int]]
) -> None:
    webhooks, order = history

    once = runs.fresh()
    replies_once = sum(deliver(once, w) for w in sorted(webhooks, key=lambda w: w.at))
    expected = state(once)
    once.store.close()

    shuffled = runs.fresh()
    replies = sum(deliver(shuffled, webhooks[i]) for i in order)
    found = state(shuffled)
    shuffled.store.close()

    assert found == expected
    assert replies == replies_once  # one opt-out confirmation per opt-out, never two
