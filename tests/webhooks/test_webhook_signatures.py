"""Only the holder of the secret can sign a webhook; a changed byte or a missing header fails."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from webhook_payloads import raw

from zapguard.gateway.webhooks.chatwoot_signature import sign_chatwoot, verify_chatwoot
from zapguard.providers.cloud.signature import sign_cloud, verify_cloud
from zapguard.providers.evolution.signature import verify_evolution
from zapguard.providers.waha.signature import sign_waha, verify_waha

BODY = raw("cloud_text")
SECRET = "app-secret-de-teste"
NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


def test_the_cloud_signature_is_sha256_hmac_of_the_raw_body() -> None:
    expected = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign_cloud(BODY, SECRET) == expected
    assert verify_cloud(BODY, expected, SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (BODY, None, SECRET),  # missing
        (BODY, "", SECRET),
        (BODY, sign_cloud(BODY, "outro-segredo"), SECRET),  # wrong secret
        (BODY + b" ", sign_cloud(BODY, SECRET), SECRET),  # tampered body
        (BODY, sign_cloud(BODY, SECRET).removeprefix("sha256="), SECRET),  # no prefix
        (BODY, sign_cloud(BODY, SECRET), ""),  # no secret configured: nothing verifies
    ],
)
def test_a_bad_cloud_signature_fails(body: bytes, header: str | None, secret: str) -> None:
    assert not verify_cloud(body, header, secret)


def test_the_waha_signature_is_sha512_hmac_hex() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha512).hexdigest()
    assert sign_waha(BODY, SECRET) == expected
    assert verify_waha(BODY, expected, SECRET, "sha512")
    assert verify_waha(BODY, expected, SECRET, None)


@pytest.mark.parametrize(
    ("body", "header", "algorithm"),
    [
        (BODY, None, "sha512"),
        (BODY + b"x", sign_waha(BODY, SECRET), "sha512"),
        (BODY, sign_waha(BODY, "outro"), "sha512"),
        (BODY, hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest(), "sha256"),
    ],
)
def test_a_bad_waha_signature_fails(body: bytes, header: str | None, algorithm: str) -> None:
    assert not verify_waha(body, header, SECRET, algorithm)


def test_the_chatwoot_signature_covers_the_timestamp_and_the_body() -> None:
    stamp = str(int(NOW.timestamp()))
    header = sign_chatwoot(BODY, SECRET, stamp)
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"sha256={expected}"
    assert verify_chatwoot(BODY, header, stamp, SECRET, now=NOW)
    assert not verify_chatwoot(BODY, header, str(int(NOW.timestamp()) + 1), SECRET, now=NOW)
    assert not verify_chatwoot(BODY + b"!", header, stamp, SECRET, now=NOW)
    assert not verify_chatwoot(BODY, None, stamp, SECRET, now=NOW)


def test_an_old_chatwoot_delivery_is_refused_as_a_replay() -> None:
    old = str(int((NOW - timedelta(minutes=6)).timestamp()))
    assert not verify_chatwoot(BODY, sign_chatwoot(BODY, SECRET, old), old, SECRET, now=NOW)


def test_the_evolution_apikey_must_match_exactly() -> None:
    assert verify_evolution("B6D711FC", "B6D711FC")
    assert not verify_evolution("B6D711FD", "B6D711FC")
    assert not verify_evolution(None, "B6D711FC")
    assert not verify_evolution("", "")
