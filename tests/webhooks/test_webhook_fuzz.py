"""Fuzzing the webhook readers (issue 7, "How it is checked"): arbitrary JSON-like payloads, and the
providers' documented payloads with any part replaced by anything, never make a normalizer raise
anything but :class:`WebhookParseError`; and the receiver never answers 500 for a body with a
valid signature."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webhook_payloads import PAYLOADS, load
from webhook_scene import Scene, build_scene

from zapguard.gateway.webhooks import WebhookParseError, chatwoot
from zapguard.providers.cloud import webhooks as cloud
from zapguard.providers.evolution import webhooks as evolution
from zapguard.providers.happening import Happening, Kind
from zapguard.providers.waha import webhooks as waha

KEYS = [
    "object", "entry", "changes", "field", "value", "metadata", "phone_number_id", "messages",
    "statuses", "from", "id", "timestamp", "type", "text", "body", "errors", "code", "status",
    "user_preferences", "wa_id", "category", "event", "display_phone_number", "group_id", "time",
    "instance", "data", "key", "remoteJid", "remoteJidAlt", "senderPn", "fromMe", "message",
    "conversation", "messageTimestamp", "date_time", "keyId", "state", "statusReason",
    "disconnectionReasonCode", "qrcode", "statusCode", "apikey", "session", "payload", "to", "ack",
    "ackName", "_data", "Info", "SenderAlt", "message_type", "private", "sender", "conversation",
    "meta", "phone_number", "created_at", "content_attributes", "additional_attributes", "low",
]  # fmt: skip
EVENTS = [
    "messages.upsert", "MESSAGES_UPSERT", "send.message", "messages.update", "connection.update",
    "status.instance", "qrcode.updated", "logout.instance", "message", "message.any",
    "message.ack", "session.status", "message_created", "whatsapp_business_account",
]  # fmt: skip

ODD = st.sampled_from(
    ["9" * 20, "9" * 25, 10**20, 10**19, -(10**20), 1e300, 1e308, math.inf, -math.inf, math.nan,
     "1e308", "-1", "0", 0, 0.5, "2026-03-10T13:00:00Z", "+99999-01-01T00:00:00Z",
     "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-14:00", {"low": 10**20}, {"low": "x"},
     "553188776655@s.whatsapp.net", "176369157804064@lid", "120363025246125888@g.us",
     "status@broadcast", "\ud800", "", [], {}]
)  # fmt: skip
"""Values that broke or could break a reader: 20-digit times, infinities, far dates, odd ids."""
TIME_KEYS = {"timestamp", "messageTimestamp", "date_time", "created_at", "time", "dateTime",
             "disconnectionAt", "low"}  # fmt: skip
scalars = st.one_of(
    ODD,
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(EVENTS),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=25,
)
DOCUMENTED = sorted(path.stem for path in PAYLOADS.glob("*.json"))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A documented payload with a few of its parts replaced by anything, or removed."""
    payload: Any = load(draw(st.sampled_from(DOCUMENTED)))
    for _ in range(draw(st.integers(1, 4))):
        every = [where for where in paths(payload) if where]
        if not every:
            break
        times = [where for where in every if where[-1] in TIME_KEYS]
        where = draw(st.sampled_from(times if times and draw(st.booleans()) else every))
        parent = payload
        for step in where[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            parent.pop(where[-1], None)
        else:
            parent[where[-1]] = copy.deepcopy(draw(st.one_of(ODD, json_values)))
    assert isinstance(payload, dict)
    return payload


payloads = st.one_of(mutated(), st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))

NORMALIZERS: dict[str, Callable[[Any], list[Happening]]] = {
    "cloud": cloud.parse,
    "evolution": evolution.parse,
    "waha": waha.parse,
    "chatwoot": lambda payload: chatwoot.parse(payload, line="recv"),
}


@pytest.mark.parametrize("dialect", sorted(NORMALIZERS))
@settings(max_examples=400, deadline=None)
@given(payload=payloads)
def test_a_normalizer_raises_nothing_but_a_parse_error(
    dialect: str, payload: dict[str, Any]
) -> None:
    try:
        happenings = NORMALIZERS[dialect](payload)
    except WebhookParseError as error:
        assert " / " in str(error)  # pt-BR / English
        return
    for happening in happenings:
        assert isinstance(happening.kind, Kind)
        assert happening.at.tzinfo is not None
        assert len(happening.key) <= 200


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    made = build_scene(f"sqlite:///{folder / 'fuzz.db'}")
    yield made
    made.store.close()


def encoded(payload: Any) -> bytes:
    try:
        return json.dumps(payload).encode()
    except ValueError:  # NaN and infinity are not JSON: send what Python writes for them
        return json.dumps(payload, allow_nan=True).encode()


bodies = st.one_of(
    payloads.map(encoded),
    st.binary(max_size=200),
    json_values.map(encoded),
    st.just(b"[" * 100_000),  # deep enough to exhaust a recursive reader
    st.just(b'{"object": "whatsapp_business_account", "entry": [{"time": 1e999}]}'),
)
SIGNERS = ["a-meta", "b-bsp", "a-evo", "b-waha"]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=st.sampled_from(SIGNERS), body=bodies)
def test_the_receiver_never_answers_500_to_a_validly_signed_body(
    scene: Scene, line: str, body: bytes
) -> None:
    receipt = post_signed(scene, line, body)
    assert receipt.status_code in (200, 401), receipt.body
    if receipt.status_code == 401:
        # Only an Evolution body without our apikey field can miss its proof: Evolution's proof
        # is inside the body.
        assert line == "a-evo"


def post_signed(scene: Scene, line: str, body: bytes) -> Any:
    from webhook_scene import BSP_SECRET, BY_ID, DIALECTS

    from zapguard.providers.cloud.signature import sign_cloud
    from zapguard.providers.waha.signature import sign_waha

    spec = BY_ID[line]
    secret = spec.webhook_secret or BSP_SECRET
    dialect = DIALECTS[spec.provider]
    headers: dict[str, str] = {}
    if dialect == "cloud":
        headers["X-Hub-Signature-256"] = sign_cloud(body, secret)
    elif dialect == "waha":
        headers["X-Webhook-Hmac"] = sign_waha(body, secret)
    else:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            payload = None
        if isinstance(payload, dict):
            body = encoded({**payload, "apikey": secret})
    return scene.receiver.receive(provider=spec.provider, headers=headers, body=body)


@settings(max_examples=200, deadline=None)
@given(stamp=st.text(max_size=40) | st.integers().map(str) | st.just("9" * 400))
def test_a_chatwoot_timestamp_header_is_never_a_500(stamp: str) -> None:
    from datetime import UTC, datetime

    from zapguard.gateway.webhooks.chatwoot_signature import sign_chatwoot, verify_chatwoot

    body = b"{}"
    now = datetime(2026, 3, 10, 13, tzinfo=UTC)
    signature = sign_chatwoot(body, "segredo-chatwoot", stamp) if stamp.isascii() else "x"
    digits = stamp.strip()
    fresh = (
        digits.isascii()
        and digits.isdigit()
        and len(digits) <= 12
        and abs(int(digits) - now.timestamp()) <= 300
    )
    assert verify_chatwoot(body, signature, stamp, "segredo-chatwoot", now=now) is fresh
