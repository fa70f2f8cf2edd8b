"""The isolation suite's laboratory: the two-tenant scene with tenant A's state seeded, requests
sent byte for byte, what each one made reach a provider, A's state as evidence, and the accounting
of every provider call against the outbox and the decision log.

Tenant A (``loja``) is the victim: its lines have messages sent and queued, a consent with its
evidence, a helpdesk URL, webhook secrets and a media file. Tenant B (``rival``) attacks with its
own admin and plain keys; a leaked plain key of A's tries what a non-admin key can.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from api_scene import CUSTOMER
from sqlalchemy import select
from tenants_scene import LINES, A, B, Fake, Seen, Tenants, two_tenants, webhook_secret

from zapguard.store import templates
from zapguard.store.media import media_lines
from zapguard.store.schema import decisions, outbox

SECRET_TEXT = "texto-sigiloso-da-loja"
WORDING = "redacao-sigilosa-do-consentimento-da-loja"
HELPDESK = "https://helpdesk-sigiloso-da-loja.example.com.br/webhook"
INSTANCE_TOKENS = ("token-da-instancia-a", "token-da-instancia-b", "token-de-ninguem")
"""What the Evolution fake lists as each instance's own key (``fetchInstances``)."""


@dataclass(frozen=True)
class Reply:
    """One request sent, what it answered, and every call it made reach a provider."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    text: str
    reached: list[tuple[Fake, Seen]]


class Wire:
    """An HTTP/1.1 connection to the scene that sends a path exactly as written (an HTTP client
    library would clean dot segments and escapes before they ever left)."""

    def __init__(self, base_url: str) -> None:
        address = urlsplit(base_url)
        self._host = address.hostname or ""
        self._port = address.port
        self._connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._host, self._port, timeout=30)

    def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], str]:
        for attempt in (1, 2):
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                content = response.read()
                answered = {k.lower(): v for k, v in response.getheaders()}
                if answered.get("connection", "").lower() == "close":
                    self._connection.close()
                    self._connection = self._connect()
                return response.status, answered, content.decode("utf-8", "replace")
            except (http.client.HTTPException, ConnectionError):
                self._connection.close()
                self._connection = self._connect()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._connection.close()


@dataclass
class Lab:
    tenants: Tenants
    wire: Wire
    media_id: str
    """A media file uploaded through A's Cloud line (so bound to A)."""
    a_messages: list[str]
    """Public ids of A's messages (sent and queued)."""
    relays: list[tuple[Fake, Seen]] = field(default_factory=list)
    """Every provider call made while a request was being answered (not by the dispatcher)."""

    @property
    def fakes(self) -> tuple[Fake, ...]:
        return self.tenants.fakes.all

    def key(self, tenant: str, *, admin: bool) -> dict[str, str]:
        return self.tenants.keys[tenant].bearer(admin)

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
    ) -> Reply:
        """``path`` sent as written; ``body`` as JSON (or raw bytes)."""
        before = {id(fake): len(fake.exchanges) for fake in self.fakes}
        payload = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        sent = dict(headers)
        if payload is not None:
            sent.setdefault("Content-Type", "application/json")
        status, answered, text = self.wire.send(method, path, sent, payload)
        reached = [
            (fake, seen) for fake in self.fakes for seen, _, _ in fake.exchanges[before[id(fake)] :]
        ]
        self.relays.extend(reached)
        return Reply(method, path, status, answered, text, reached)

    # -- what A owns and must never show ------------------------------------------------------

    def a_accounts(self) -> set[str]:
        """Every name by which a provider knows one of A's lines or files."""
        names = {line.account for line in LINES if line.tenant == A}
        names |= {
            line.business_account for line in LINES if line.tenant == A and line.business_account
        }
        return names | {self.media_id}

    def a_markers(self) -> set[str]:
        """What of A's must never appear in an answer to anyone else (unless the request itself
        carried it)."""
        markers = {SECRET_TEXT, WORDING, "helpdesk-sigiloso-da-loja", "token-da-instancia-a"}
        markers.add(A_TEMPLATE)
        markers |= {line.phone for line in LINES if line.tenant == A}
        markers |= {line.phone.lstrip("+") for line in LINES if line.tenant == A}
        markers |= {webhook_secret(line) for line in LINES if line.tenant == A}
        markers |= {line.id for line in LINES if line.tenant == A}
        markers |= set(self.a_messages)
        return markers | self.a_accounts()

    def shown(self, reply: Reply, asked: str) -> set[str]:
        """A's markers in ``reply`` that the request (``asked``: its path and body) did not carry."""
        answer = reply.text + json.dumps(reply.headers)
        return {marker for marker in self.a_markers() if marker in answer and marker not in asked}

    def state_of(self, tenant: str) -> dict[str, Any]:
        """Everything zapguard keeps of ``tenant``: lines (with secrets, health, state), messages,
        consent and its evidence, events, decisions, media."""
        services = self.tenants.scene.services
        store = services.store
        lines = []
        for record in store.lines.records(tenant_id=tenant):
            line_id = record.line.id
            kinds = sorted(store.line_secrets.kinds(line_id=line_id))
            lines.append(
                (
                    record,
                    [(kind, store.line_secrets.get(line_id=line_id, kind=kind)) for kind in kinds],
                )
            )
        return {
            "lines": lines,
            "outbox": services.outbox.list(tenant_id=tenant, limit=500),
            "consent": (
                store.consent.current(tenant_id=tenant, contact=CUSTOMER),
                store.consent.history(tenant_id=tenant, contact=CUSTOMER),
            ),
            "events": store.journal.events(tenant_id=tenant, limit=500),
            "decisions": store.journal.decisions(tenant_id=tenant, limit=500),
            "media": media_lines(store, tenant_id=tenant, media_id=self.media_id),
            "templates": templates.of_tenant(store, tenant_id=tenant),
        }


A_TEMPLATE = "modelo_sigiloso_da_loja_a"
"""A template of A's with a state (ZG507): B neither sees it nor changes it."""


def seed_victim(tenants: Tenants) -> tuple[str, list[str]]:
    """Give tenant A state worth stealing; returns its media id and its messages' public ids."""
    client, key = tenants.scene.client, tenants.keys[A].bearer()
    consent = client.post(
        f"/v1/contacts/{CUSTOMER}/consent",
        json={"source": "balcao-da-loja", "wording": WORDING},
        headers=key,
    )
    assert consent.status_code == 201, consent.text
    template = client.put(
        f"/v1/templates/{A_TEMPLATE}", json={"quality": "RED", "allow_red": True}, headers=key
    )
    assert template.status_code == 200, template.text
    helpdesk = client.put("/v1/lines/a-cloud/helpdesk", json={"url": HELPDESK}, headers=key)
    assert helpdesk.status_code == 200, helpdesk.text
    upload = client.post(
        "/v21.0/100200301/media",
        content=b"\xff\xd8\xff\xe0 imagem da loja",
        headers={**key, "Content-Type": "image/jpeg"},
    )
    assert upload.status_code == 200, upload.text
    messages = []
    for line in (spec for spec in LINES if spec.tenant == A):
        sent = client.post(
            "/v1/messages",
            json={"to": CUSTOMER, "text": f"{SECRET_TEXT} {line.id}", "line": line.id},
            headers=key,
        )
        assert sent.status_code == 202, sent.text
        messages.append(sent.json()["id"])
    assert tenants.scene.dispatch() == 3
    queued = client.post(
        "/v1/messages",
        json={"to": CUSTOMER, "text": f"{SECRET_TEXT} na fila", "line": "a-evo"},
        headers=key,
    )
    assert queued.status_code == 202, queued.text
    messages.append(queued.json()["id"])
    return str(upload.json()["id"]), messages


@contextmanager
def lab(database_url: str) -> Iterator[Lab]:
    with two_tenants(database_url) as tenants:
        media_id, messages = seed_victim(tenants)
        tenants.fakes.clear()  # the providers' logs start with the attack
        wire = Wire(tenants.url)
        try:
            yield Lab(tenants, wire, media_id, messages)
        finally:
            wire.close()


# -- the accounting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSend:
    fake: Fake
    seen: Seen
    account: str
    message_id: str


def _send_of(fake: Fake, seen: Seen, answer: Any) -> ProviderSend | None:
    """The send ``seen`` is (the account it names and the id the provider gave), if it is one."""
    path = seen.path.strip("/")
    body = seen.json() if isinstance(seen.json(), dict) else {}
    if fake.kind == "cloud":
        found = re.fullmatch(r"v\d+\.\d+/([^/]+)/messages", path)
        if seen.method != "POST" or found is None or body.get("status") == "read":
            return None
        return ProviderSend(fake, seen, found.group(1), answer["messages"][0]["id"])
    if fake.kind == "evolution":
        found = re.fullmatch(r"message/send\w+/([^/]+)", path)
        if found is None:
            return None
        return ProviderSend(fake, seen, found.group(1), answer["key"]["id"])
    if path.startswith("api/send") and path != "api/sendSeen":
        return ProviderSend(fake, seen, str(body.get("session")), answer["id"])
    return None


def account_of_line(tenants: Tenants, line_id: str) -> str:
    record = tenants.scene.services.store.lines.record(line_id=line_id)
    assert record is not None
    return record.account


def assert_every_send_had_a_recorded_decision(lab: Lab) -> int:
    """Every send any provider received matches a row of the outbox (by the id the provider
    gave) that came from a decision to send (allow or reroute) in the decision log, for the same
    tenant and line,
    on the very account the send named; every other call was a relay answered to a caller.
    Returns the number of sends."""
    tenants = lab.tenants
    store = tenants.scene.services.store
    relayed = {id(seen) for _, seen in lab.relays}
    sends = 0
    for fake in lab.fakes:
        for seen, answer, _ in list(fake.exchanges):
            if id(seen) in relayed:
                continue
            send = _send_of(fake, seen, answer)
            assert send is not None, f"a {fake.kind} call nobody answered for: {seen}"
            with store.read_connection("test") as connection:
                row = connection.execute(
                    select(outbox).where(outbox.c.provider_message_id == send.message_id)
                ).one()
                decision = connection.execute(
                    select(decisions).where(decisions.c.id == row.decision_id)
                ).one_or_none()
            assert decision is not None, f"sent without a recorded decision: {row.public_id}"
            # A decision that sends: allow, or reroute (its line is then the line it sends on).
            assert decision.verdict in ("allow", "reroute"), (row.public_id, decision.verdict)
            assert (decision.tenant_id, decision.line) == (row.tenant_id, row.line_id)
            assert send.account == account_of_line(tenants, row.line_id), (send, row.line_id)
            sends += 1
    return sends


def concrete(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda found: values.get(found.group(1), "4242424242"), template)


def spellings(path: str, literals: Iterable[bool]) -> list[str]:
    """``path`` and the ways the servers behind the surfaces read alike: literal segments in
    another case, a trailing slash, doubled slashes, a percent-escaped letter, dot segments."""
    parts = path.split("/")[1:]
    flags = list(literals)

    def spelled(change: Any) -> str:
        return "/" + "/".join(
            change(part) if literal else part for part, literal in zip(parts, flags, strict=True)
        )

    return [
        path,
        spelled(str.upper),
        spelled(str.lower),
        path + "/",
        "/" + "//".join(parts) + "//",
        spelled(lambda part: f"%{ord(part[0]):02X}{part[1:]}" if part else part),
        "/" + "/".join([parts[0], ".", "sobra", "..", *parts[1:]]),
    ]


__all__ = ["A", "B", "Lab", "lab"]
