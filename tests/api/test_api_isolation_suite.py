"""Tenant isolation and bypass, tried the way an attacker would, over real HTTP.

Two tenants, A (``loja``) and B (``rival``), each with a Cloud API, an Evolution and a WAHA line on
shared provider connections: one Graph connection, one Evolution server and one WAHA server, each
with one global key serving both tenants (a reseller's set-up). The providers are recording fakes
(:mod:`tenants_scene`); A has messages sent and queued, a consent with its evidence, a helpdesk,
webhook secrets and a media file (:mod:`isolation_lab`).

* Every route of the native ``/v1`` API (taken from the OpenAPI document) and every route each
  provider publishes (``tests/providers/published_routes/*.tsv``), in every spelling the servers
  read alike (case, trailing and doubled slashes, percent-escapes, dot segments), with B's admin
  and plain keys aimed at A's lines, instances, sessions, numbers, business account, media and
  messages: nothing reaches a provider, nothing of A's is shown, A's state does not change.
* The same routes with a leaked plain key of A's: no administrative call passes; reads reach the
  provider bound to A's own line and nothing else; sends only through the rules.
* After each sweep the dispatcher runs, and every call any provider received is accounted for:
  a relay answered to its caller, or a send of an outbox row whose decision to send (allow or
  reroute) is in the decision log, on the account of that row's line.
* Registering a line that a provider would take for one of A's is refused.
* Webhooks replayed, reordered, dated in 2001 and in 2099, or signed by B, change nothing they
  should not.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from api_scene import CUSTOMER
from isolation_lab import (
    INSTANCE_TOKENS,
    SECRET_TEXT,
    Lab,
    Reply,
    assert_every_send_had_a_recorded_decision,
    concrete,
    lab,
    spellings,
)
from tenants_scene import LINES, META_TOKEN, A, B, webhook_secret

from zapguard.providers.cloud.signature import sign_cloud
from zapguard.providers.waha.signature import sign_waha

PUBLISHED = Path(__file__).parent.parent / "providers" / "published_routes"
SOURCES = {
    "cloud": "whatsapp_cloud_api.tsv",
    "evolution": "evolution_api_2.3.6.tsv",
    "waha": "waha.tsv",
}
PAYLOADS = Path(__file__).parent.parent / "webhooks" / "payloads"
B_TEXT = "mensagem-do-concorrente"


@pytest.fixture
def isolation(sqlite_url: str) -> Iterator[Lab]:
    with lab(sqlite_url) as made:
        yield made


# -- the surfaces' routes, as the providers publish them ------------------------------------------


@dataclass(frozen=True)
class Published:
    dialect: str
    method: str
    template: str
    expected: str
    """The class the published table gives the route: send, allowed, admin or refused."""


def published() -> list[Published]:
    routes = []
    for dialect, source in SOURCES.items():
        for row in (PUBLISHED / source).read_text(encoding="utf-8").splitlines():
            if row.strip() and not row.startswith("#"):
                method, template, expected, _ = row.split("\t")
                routes.append(Published(dialect, method, template, expected))
    return routes


def aimed_at(lab: Lab, tenant: str) -> dict[str, str]:
    """Path parameter values naming ``tenant``'s own line of each dialect (and A's media)."""
    own = {line.provider: line for line in LINES if line.tenant == tenant}
    return {
        "version": "v21.0",
        "phone_number_id": own["meta"].account,
        "waba_id": own["meta"].business_account or "",
        "media_id": lab.media_id,
        "instance": own["evo"].account,
        "session": own["waha"].account,
        "chatId": "5531988776655@c.us",
    }


def request_for(lab: Lab, route: Published, tenant: str) -> tuple[str, list[bool], str, Any]:
    """The route's path aimed at ``tenant``'s lines, which of its segments are literal, the query
    and a body that also names them wherever a provider reads a line from (``session``,
    ``name``, ``instanceName``, ``phone_number_id``)."""
    values = aimed_at(lab, tenant)
    path = concrete(route.template, values)
    literal = [not re.fullmatch(r"\{\w+\}", part) for part in route.template.split("/")[1:]]
    query = (
        f"?instanceName={values['instance']}&session={values['session']}"
        f"&phone_number_id={values['phone_number_id']}"
    )
    if route.method in ("GET", "DELETE"):
        return path, literal, query, None
    if route.dialect == "cloud":
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "to": "5531988776655",
            "type": "text",
            "text": {"body": B_TEXT},
        }
    elif route.dialect == "evolution":
        body = {"number": "5531988776655", "text": B_TEXT, "instanceName": values["instance"]}
    else:
        body = {
            "session": values["session"],
            "name": values["session"],
            "chatId": values["chatId"],
            "text": B_TEXT,
        }
    return path, literal, query, body


ZAPGUARDS_OWN = {("GET", "/"), ("GET", "/metrics")}
"""Paths Evolution publishes (its banner and its metrics) that zapguard's own home page and
metrics answer, under the caller's key: they must show nothing of A's, but they may answer 200."""


def problems_of_an_attack(lab: Lab, reply: Reply, asked: str) -> list[str]:
    problems = []
    if reply.reached:
        problems.append(f"reached {[(f.kind, s.method, s.path) for f, s in reply.reached]}")
    own = (reply.method, unquote(reply.path.split("?")[0])) in ZAPGUARDS_OWN
    if not 400 <= reply.status < 500 and not (own and reply.status == 200):
        problems.append(f"answered {reply.status}")
    if shown := lab.shown(reply, asked):
        problems.append(f"showed {sorted(shown)}")
    return problems


def test_another_tenants_keys_reach_nothing_of_a_through_any_route_however_spelled(
    isolation: Lab,
) -> None:
    before = isolation.state_of(A)
    failures = []
    tried = 0
    for route in published():
        path, literal, query, body = request_for(isolation, route, A)
        for spelled in spellings(path, literal):
            for admin in (True, False):
                reply = isolation.request(
                    route.method, spelled + query, isolation.key(B, admin=admin), body
                )
                asked = spelled + query + json.dumps(body)
                for problem in problems_of_an_attack(isolation, reply, asked):
                    failures.append(f"{route.method} {spelled} (admin={admin}): {problem}")
                tried += 1

    assert failures == [], f"{len(failures)} problems:\n" + "\n".join(failures[:80])
    assert tried > 5000
    assert isolation.state_of(A) == before
    assert_every_send_had_a_recorded_decision(isolation)


def relayed_for_the_owner(lab: Lab, route: Published, reply: Reply) -> list[str]:
    """What is wrong with the calls a route passed on: each must be the route itself, rebuilt
    canonically, naming A's own line and nothing of B's."""
    values = aimed_at(lab, A)
    expected_path = concrete(route.template, values)
    theirs = {line.account for line in LINES if line.tenant == B}
    problems = []
    for fake, seen in reply.reached:
        said = seen.path + "?" + seen.query + seen.body.decode("utf-8", "replace")
        if seen.path != expected_path or seen.method != route.method:
            problems.append(f"{fake.kind} got {seen.method} {seen.path}")
        if any(name in said for name in theirs):
            problems.append(f"{fake.kind} call names B: {said}")
        if not any(name in said for name in lab.a_accounts()):
            problems.append(f"{fake.kind} call bound to no line of A's: {said}")
    return problems


def test_a_leaked_plain_key_passes_no_admin_call_and_sends_only_through_the_rules(
    isolation: Lab,
) -> None:
    leaked = isolation.key(A, admin=False)
    decisions_before = len(isolation.state_of(A)["decisions"])
    failures = []
    sends = 0
    for route in published():
        path, literal, query, body = request_for(isolation, route, A)
        for spelled in spellings(path, literal):
            reply = isolation.request(route.method, spelled + query, leaked, body)
            where = f"{route.method} {spelled} [{route.expected}]"
            if (route.method, unquote(spelled)) in ZAPGUARDS_OWN:
                if reply.status != 200 or reply.reached:
                    failures.append(f"{where}: {reply.status}, reached {len(reply.reached)}")
            elif route.expected == "admin":  # refused before any name is looked at
                if reply.status != 403 or reply.reached:
                    failures.append(f"{where}: {reply.status}, reached {len(reply.reached)}")
            elif route.expected == "refused":  # 403, or 400/404 for an id nobody can bind
                if not 400 <= reply.status < 500 or reply.reached:
                    failures.append(f"{where}: {reply.status}, reached {len(reply.reached)}")
            elif route.expected == "allowed":
                failures += [
                    f"{where}: {p}" for p in relayed_for_the_owner(isolation, route, reply)
                ]
                if not reply.reached and reply.status < 400:
                    failures.append(f"{where}: answered {reply.status} without the provider")
            else:  # a send: judged and queued, never passed on as it came
                if reply.reached:
                    failures.append(f"{where}: a send reached the provider as it came")
                sends += reply.status < 300

    assert failures == [], "\n".join(failures[:50])
    assert sends > 20
    assert len(isolation.state_of(A)["decisions"]) >= decisions_before + sends
    isolation.tenants.scene.dispatch()
    assert assert_every_send_had_a_recorded_decision(isolation) >= sends


@pytest.mark.parametrize(
    ("template", "names"),
    [("/instance/fetchInstances", ["loja-b"]), ("/api/sessions", ["sessao-b"])],
)
def test_lists_across_a_shared_server_show_only_the_callers_own_however_spelled(
    isolation: Lab, template: str, names: list[str]
) -> None:
    for spelled in spellings(template, [True, True]):
        for admin in (True, False):
            reply = isolation.request("GET", spelled, isolation.key(B, admin=admin))

            assert reply.status == 200, (spelled, reply.text)
            assert [item["name"] for item in json.loads(reply.text)] == names
            assert isolation.shown(reply, "") == set()
            assert not any(token in reply.text for token in INSTANCE_TOKENS)


def test_names_of_a_smuggled_into_b_s_own_calls_never_reach_a_provider(isolation: Lab) -> None:
    """B's admin key on B's own lines, with A's instance, session and number in the query (and
    in the body fields that do not bind the call): whatever is relayed names B's line only."""
    upload = isolation.request(
        "POST", "/v21.0/100200302/media", isolation.key(B, admin=True), b"\xff\xd8 imagem de B"
    )
    assert upload.status == 200, upload.text
    own = {**aimed_at(isolation, B), "media_id": json.loads(upload.text)["id"]}
    theirs = aimed_at(isolation, A)
    smuggled = (
        f"?instanceName={theirs['instance']}&session={theirs['session']}"
        f"&phone_number_id={theirs['phone_number_id']}&business_id={theirs['waba_id']}"
    )
    failures = []
    relayed = 0
    for route in published():
        if route.expected not in ("allowed", "admin"):
            continue
        path = concrete(route.template, own)
        _, _, _, body = request_for(isolation, route, B)
        reply = isolation.request(route.method, path + smuggled, isolation.key(B, admin=True), body)
        for fake, seen in reply.reached:
            said = seen.path + "?" + seen.query + seen.body.decode("utf-8", "replace")
            if leaked := {name for name in isolation.a_accounts() if name in said}:
                failures.append(f"{route.method} {path}: {fake.kind} got {sorted(leaked)}: {said}")
            relayed += 1

    assert failures == [], "\n".join(failures)
    assert relayed > 100
    assert_every_send_had_a_recorded_decision(isolation)


# -- the native API -------------------------------------------------------------------------------


def native_requests(lab: Lab) -> dict[tuple[str, str], tuple[dict[str, str], Any]]:
    """A request aimed at A for every operation of zapguard's own API: its path parameters and
    its body. A new operation without one here fails the suite: it needs its isolation case."""
    a_message = lab.a_messages[-1]
    return {
        ("GET", "/healthz"): ({}, None),
        ("GET", "/metrics"): ({}, None),
        ("POST", "/v1/messages"): ({}, {"to": CUSTOMER, "text": B_TEXT, "line": "a-evo"}),
        ("GET", "/v1/messages"): ({}, None),
        ("POST", "/v1/messages/advice"): ({}, {"to": CUSTOMER, "text": B_TEXT, "line": "a-waha"}),
        ("GET", "/v1/messages/{message_id}"): ({"message_id": a_message}, None),
        ("DELETE", "/v1/messages/{message_id}"): ({"message_id": a_message}, None),
        ("GET", "/v1/lines"): ({}, None),
        ("POST", "/v1/lines"): (
            {},
            {
                "id": "b-nova",
                "phone": "+5511912349999",
                "role": "receptive",
                "in_use_since": "2023-01-02",
                "provider": "evo",
                "provider_account": "loja-a",
            },
        ),
        ("GET", "/v1/lines/{line_id}"): ({"line_id": "a-evo"}, None),
        ("DELETE", "/v1/lines/{line_id}"): ({"line_id": "a-evo"}, None),
        ("POST", "/v1/lines/{line_id}/pause"): ({"line_id": "a-evo"}, None),
        ("POST", "/v1/lines/{line_id}/resume"): ({"line_id": "a-evo"}, None),
        ("POST", "/v1/lines/{line_id}/retire"): ({"line_id": "a-evo"}, None),
        ("PUT", "/v1/lines/{line_id}/secrets/{kind}"): (
            {"line_id": "a-waha", "kind": "webhook"},
            {"secret": "segredo-escolhido-pelo-concorrente"},
        ),
        ("DELETE", "/v1/lines/{line_id}/secrets/{kind}"): (
            {"line_id": "a-waha", "kind": "webhook"},
            None,
        ),
        ("PUT", "/v1/lines/{line_id}/helpdesk"): (
            {"line_id": "a-cloud"},
            {"url": "https://helpdesk-do-concorrente.example.com.br/roubo"},
        ),
        ("GET", "/v1/pools"): ({}, None),
        ("GET", "/v1/portfolios"): ({}, None),
        ("PUT", "/v1/portfolios/{portfolio_id}"): (
            {"portfolio_id": "line:a-cloud"},
            {"limit": 100000},
        ),
        # B's PUT under A's template name sets B's own template, never A's (state_of(A) holds).
        ("GET", "/v1/templates"): ({}, None),
        ("PUT", "/v1/templates/{name}"): (
            {"name": "modelo_sigiloso_da_loja_a"},
            {"status": "DISABLED", "allow_red": False},
        ),
        ("GET", "/v1/contacts/{phone}/consent"): ({"phone": CUSTOMER}, None),
        ("POST", "/v1/contacts/{phone}/consent"): ({"phone": CUSTOMER}, {"source": "concorrente"}),
        ("POST", "/v1/contacts/{phone}/consent/revoke"): ({"phone": CUSTOMER}, None),
        # A's audiences and B's attempts on them: tests/campaigns/test_audience_api.py.
        ("GET", "/v1/audiences"): ({}, None),
        ("POST", "/v1/audiences"): ({}, {"telefone": CUSTOMER}),
        ("GET", "/v1/audiences/{name}"): ({"name": "clientes"}, None),
        ("POST", "/v1/events"): (
            {},
            {"kind": "status", "line": "a-cloud", "status": "failed", "code": "131031"},
        ),
        ("GET", "/v1/events"): ({}, None),
        ("GET", "/v1/decisions"): ({}, None),
        ("GET", "/v1/plan"): ({}, None),  # the tenant's own thresholds only: nothing of A's
        ("GET", "/webhooks/{provider}"): ({"provider": "meta"}, None),
        ("POST", "/webhooks/{provider}"): ({"provider": "evo"}, {"event": "logout.instance"}),
        ("POST", "/webhooks/chatwoot/{line}"): ({"line": "a-evo"}, {"event": "message_created"}),
        ("GET", "/{code}"): ({"code": "AbCd1234"}, None),
    }


NAMES_A = ("{line_id}", "{message_id}", "{line}")
"""Path parameters that name one of A's resources: B must get a 4xx."""


def native_spellings(path: str) -> list[str]:
    parts = path.split("/")[1:]
    return [
        *spellings(path, [True] * len(parts)),
        "/" + "/".join([*parts[:-1], re.sub(r"-", "%2D", parts[-1])]),
        path + "%2F",
    ]


def test_another_tenants_keys_get_nothing_of_a_from_the_native_api_however_spelled(
    isolation: Lab,
) -> None:
    document = isolation.tenants.scene.client.get("/openapi.json").json()
    own = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not any(tag.startswith("drop-in") for tag in operation.get("tags", []))
    }
    requests = native_requests(isolation)
    assert own == set(requests)  # every operation of the document has its case here
    before = isolation.state_of(A)
    failures = []
    for (method, template), (params, body) in sorted(requests.items()):
        path = concrete(template, params)
        names_a = any(name in template for name in NAMES_A) or (
            isinstance(body, dict) and str(body.get("line", "")).startswith("a-")
        )
        for spelled in native_spellings(path):
            for admin in (True, False):
                reply = isolation.request(method, spelled, isolation.key(B, admin=admin), body)
                where = f"{method} {spelled} (admin={admin})"
                if reply.reached:
                    failures.append(f"{where}: reached a provider")
                if names_a and reply.status < 400:
                    failures.append(f"{where}: answered {reply.status}")
                if reply.status >= 500:
                    failures.append(f"{where}: answered {reply.status}")
                if shown := isolation.shown(reply, unquote(spelled) + json.dumps(body)):
                    failures.append(f"{where}: showed {sorted(shown)}")

    assert failures == [], "\n".join(failures[:50])
    assert isolation.state_of(A) == before
    assert_every_send_had_a_recorded_decision(isolation)


def test_another_tenants_idempotency_key_is_its_own(isolation: Lab) -> None:
    """The same Idempotency-Key as one of A's messages, from B on B's line: a message of B's,
    never A's answered back."""
    key = "pedido-1234"
    body = {"to": CUSTOMER, "text": "Seu pedido saiu", "line": "a-evo"}
    a = isolation.request(
        "POST", "/v1/messages", {**isolation.key(A, admin=False), "Idempotency-Key": key}, body
    )
    b = isolation.request(
        "POST",
        "/v1/messages",
        {**isolation.key(B, admin=False), "Idempotency-Key": key},
        {**body, "line": "b-evo"},
    )

    assert (a.status, b.status) == (202, 202), b.text
    assert json.loads(a.text)["id"] != json.loads(b.text)["id"]
    assert isolation.shown(b, "") == set()


def test_the_shared_meta_token_stands_for_no_tenant(isolation: Lab) -> None:
    """A Cloud API client may use its connection's Meta token as its key when the connection
    serves one tenant; a connection shared by two stands for neither."""
    token = {"Authorization": f"Bearer {META_TOKEN}"}
    replies = [
        isolation.request("GET", "/v21.0/100200301", token),
        isolation.request("POST", "/v21.0/100200301/messages", token, {"to": CUSTOMER}),
    ]

    assert [reply.status for reply in replies] == [401, 401]
    assert all(not reply.reached for reply in replies)


def test_the_metrics_show_another_tenant_nothing_of_a(isolation: Lab) -> None:
    reply = isolation.request("GET", "/metrics", isolation.key(B, admin=True))
    own = isolation.request("GET", "/metrics", isolation.key(A, admin=True))

    assert reply.status == 200
    assert isolation.shown(reply, "") == set()
    assert 'line="a-evo"' in own.text  # A's queued message shows to A


# -- registering a line a provider would take for one of A's --------------------------------------


def register(lab: Lab, tenant: str, **fields: Any) -> Reply:
    body = {"role": "receptive", "in_use_since": "2023-01-02", **fields}
    return lab.request("POST", "/v1/lines", lab.key(tenant, admin=True), body)


ALIASES = [
    pytest.param({"id": "loja-a", "provider": "evo"}, id="line id = A's instance"),
    pytest.param({"id": "sessao-a", "provider": "waha"}, id="line id = A's session"),
    pytest.param({"id": "100200301", "provider": "meta"}, id="line id = A's phone number id"),
    pytest.param({"id": "b-x", "provider": "evo", "provider_account": "loja-a"}, id="A's instance"),
    pytest.param(
        {"id": "b-x", "provider": "meta", "provider_account": "100200301/messages#"},
        id="a fragment that cuts the path back to A's number",
    ),
    pytest.param(
        {"id": "b-x", "provider": "meta", "provider_account": "100200301/messages?"},
        id="a query that cuts the path back to A's number",
    ),
    pytest.param(
        {"id": "b-x", "provider": "meta", "provider_account": "x/../100200301"},
        id="dot segments back to A's number",
    ),
    pytest.param(
        {"id": "b-x", "provider": "evo", "provider_account": "../loja-a"},
        id="dot segments back to A's instance",
    ),
    pytest.param(
        {
            "id": "b-x",
            "provider": "meta",
            "provider_account": "100200399",
            "business_account": "555000301",
        },
        id="A's business account",
    ),
]


@pytest.mark.parametrize("fields", ALIASES)
def test_another_tenant_cannot_register_a_line_a_provider_would_take_for_one_of_a(
    isolation: Lab, fields: dict[str, Any]
) -> None:
    registered = register(isolation, B, phone="+5511912349999", **fields)

    assert registered.status in (409, 422), registered.text
    assert isolation.shown(registered, json.dumps(fields)) == set()
    assert_every_send_had_a_recorded_decision(isolation)


def test_a_line_named_after_an_account_another_tenant_uses_is_refused_either_way(
    isolation: Lab,
) -> None:
    """A line without ``provider_account`` is known to its provider by its id: the id and the
    account are the same name, whichever of the two fields carries it."""
    own = register(isolation, A, id="a-sem-conta", phone="+5511912348888", provider="evo")
    taken = register(
        isolation,
        B,
        id="b-x",
        phone="+5511912349999",
        provider="evo",
        provider_account="a-sem-conta",
    )

    assert own.status == 201, own.text
    assert taken.status == 409, taken.text
    assert "another business" in taken.text and "b-" not in taken.text


# -- webhooks over real HTTP ----------------------------------------------------------------------


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def deliver(lab: Lab, line_id: str, body: dict[str, Any], *, signed_by: str | None = None) -> Reply:
    """Post ``body`` to the webhook of ``line_id``'s provider, proved with the own webhook secret
    of ``signed_by`` (default: the line itself)."""
    line = next(spec for spec in LINES if spec.id == line_id)
    signer = next(spec for spec in LINES if spec.id == (signed_by or line_id))
    secret = webhook_secret(signer)
    headers = {"Content-Type": "application/json"}
    if line.provider == "evo":
        body = {**body, "apikey": secret}
    raw = json.dumps(body).encode()
    if line.provider == "meta":
        headers["X-Hub-Signature-256"] = sign_cloud(raw, secret)
    elif line.provider == "waha":
        headers["X-Webhook-Hmac"] = sign_waha(raw, secret)
        headers["X-Webhook-Hmac-Algorithm"] = "sha512"
    return lab.request("POST", f"/webhooks/{line.provider}", headers, raw)


def evolution(name: str, instance: str, **data: Any) -> dict[str, Any]:
    body = copy.deepcopy(payload(name))
    body["instance"] = instance
    body["data"].update(data)
    return body


def sent_id(lab: Lab, line_id: str) -> str:
    """The provider's id of A's message sent on ``line_id``."""
    entries = lab.tenants.scene.services.outbox.list(tenant_id=A, line_id=line_id, limit=50)
    return next(e.provider_message_id for e in entries if e.provider_message_id)


def health(lab: Lab, line_id: str) -> int:
    response = lab.tenants.scene.client.get(f"/v1/lines/{line_id}", headers=lab.key(A, admin=True))
    value: int = response.json()["health"]
    return value


def events_of(lab: Lab, line_id: str) -> list[tuple[str, datetime]]:
    return [
        (event.kind, event.at)
        for event in lab.tenants.scene.services.store.journal.events(tenant_id=A, limit=500)
        if event.line_id == line_id
    ]


def test_a_webhook_signed_for_b_about_a_changes_nothing_of_a_and_names_nothing_of_it(
    isolation: Lab,
) -> None:
    before = isolation.state_of(A)
    failed = evolution(
        "evolution_messages_update_error", "loja-a", keyId=sent_id(isolation, "a-evo")
    )
    batch = payload("cloud_status_failed_131048")
    entry = batch["entry"][0]
    entry["changes"][0]["value"]["metadata"]["phone_number_id"] = "100200301"
    batch["entry"] = [copy.deepcopy(entry), entry]
    batch["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "100200302"

    # B's own instance reporting A's message as read and as failed: B's line, A's message id.
    read = evolution("evolution_messages_update_error", "loja-b", keyId=sent_id(isolation, "a-evo"))
    read["data"]["status"] = "READ"
    lost = evolution("evolution_messages_update_error", "loja-b", keyId=sent_id(isolation, "a-evo"))

    alone = deliver(isolation, "a-evo", failed, signed_by="b-evo")
    alongside = deliver(isolation, "a-cloud", batch, signed_by="b-cloud")
    about_a_message = [deliver(isolation, "b-evo", body) for body in (read, lost)]

    assert alone.status == 401
    assert alongside.status == 200, alongside.text  # B's own entry is B's to report
    assert [reply.status for reply in about_a_message] == [200, 200]
    for reply in (alone, alongside, *about_a_message):
        assert isolation.shown(reply, json.dumps(batch) + json.dumps(failed)) == set()
    assert isolation.state_of(A) == before


def test_replayed_reordered_and_far_dated_webhooks_change_only_what_they_should(
    isolation: Lab,
) -> None:
    lab = isolation
    start = health(lab, "a-evo")
    error = evolution("evolution_messages_update_error", "loja-a", keyId=sent_id(lab, "a-evo"))
    for _ in range(4):  # a redelivered failure costs once
        assert deliver(lab, "a-evo", error).status == 200
    once = health(lab, "a-evo")
    assert once < start

    inbound = evolution("evolution_messages_upsert", "loja-a", message={"conversation": "Oi"})
    inbound["data"]["key"] = {**inbound["data"]["key"], "id": "3A6E-REENVIADA"}
    for _ in range(3):  # the same customer message, redelivered, is one event
        assert deliver(lab, "a-evo", inbound).status == 200
    assert [kind for kind, _ in events_of(lab, "a-evo")].count("inbound") == 2  # + the scene's

    acks = []
    for ack, name in ((3, "READ"), (2, "DEVICE"), (1, "SERVER")):  # newest first
        body = copy.deepcopy(payload("waha_message_ack"))
        body["session"] = "sessao-a"
        body["id"] = f"evt_ordem_{ack}"
        body["payload"].update(id=sent_id(lab, "a-waha"), ack=ack, ackName=name)
        acks.append(body)
    for body in acks:
        assert deliver(lab, "a-waha", body).status == 200
    waha_sent = lab.tenants.scene.services.outbox.list(tenant_id=A, line_id="a-waha", limit=50)
    assert next(e for e in waha_sent if e.provider_message_id).delivery_status == "read"

    future = evolution(
        "evolution_messages_upsert",
        "loja-a",
        message={"conversation": "Oi de novo"},
        messageTimestamp=4_070_908_800,
    )
    future["data"]["key"] = {**future["data"]["key"], "id": "3A6E-DO-FUTURO"}  # 2099-01-01
    assert deliver(lab, "a-evo", future).status == 200
    tolerance = timedelta(seconds=lab.tenants.scene.services.config.server.future_tolerance_seconds)
    latest = max(at for _, at in events_of(lab, "a-evo"))
    assert latest <= lab.tenants.scene.clock() + tolerance  # 2099 became the receipt time

    past = evolution("evolution_messages_update_error", "loja-a", keyId="3EB0-DE-2001")
    past["date_time"] = "2001-09-09T01:46:40.000Z"
    deliver(lab, "a-evo", past)
    assert health(lab, "a-evo") == once  # a failure from 2001 is paid long ago

    again = [deliver(lab, "a-evo", error), deliver(lab, "a-evo", inbound)]
    assert [reply.status for reply in again] == [200, 200]
    assert health(lab, "a-evo") == once
    assert [kind for kind, _ in events_of(lab, "a-evo")].count("inbound") == 3  # + the future one

    stop = evolution("evolution_messages_upsert", "loja-a", message={"conversation": "Sair"})
    stop["data"]["key"] = {**stop["data"]["key"], "id": "3A6E-SAIR"}
    for _ in range(2):  # an opt-out, redelivered, is confirmed once
        assert deliver(lab, "a-evo", stop).status == 200
    lab.tenants.scene.dispatch()
    sends = [seen for seen in lab.tenants.fakes.evolution.seen if seen.path.startswith("/message/")]
    confirmations = [seen for seen in sends if SECRET_TEXT not in seen.body.decode()]
    assert len(confirmations) == 1  # besides A's message that was waiting in the queue
    assert assert_every_send_had_a_recorded_decision(lab) == len(sends) == 2
