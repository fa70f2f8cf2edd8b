"""``zapguard lines add|retire|delete``: a line names its provider, and leaves as evidence or, with
no history at all, for good."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zapguard.cli import app
from zapguard.store import Store

PROVIDERS = """
[providers.meta]
kind = "cloud"
base_url = "https://graph.facebook.com"
token = "env:ZAPGUARD_TEST_UNSET_META_TOKEN"  # registering a line needs no provider secret
"""


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    assert zapguard("init").exit_code == 0
    with (tmp_path / "zapguard.toml").open("a", encoding="utf-8") as config:
        config.write(PROVIDERS)
    return tmp_path


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


def add(line_id: str = "sac", *extra: str, phone: str = "+55 11 91234-0001") -> Result:
    return zapguard(
        "lines",
        "add",
        line_id,
        "--phone",
        phone,
        "--role",
        "receptive",
        "--in-use-since",
        "2024-01-01",
        *extra,
    )


def test_a_line_without_a_provider_is_a_clear_error() -> None:
    result = add()
    assert result.exit_code == 2
    assert "--provider" in result.output


def test_a_provider_that_is_not_configured_is_refused_naming_the_configured_ones() -> None:
    result = add("sac", "--provider", "simulator")
    assert result.exit_code == 2
    message = flat(result.stderr)
    assert "simulator" in message and "meta" in message
    assert "Traceback" not in result.output


def test_a_line_on_a_configured_provider_is_registered() -> None:
    result = add("sac", "--provider", "meta", "--provider-account", "106540352242922")
    assert result.exit_code == 0, result.output
    assert "meta (106540352242922)" in flat(zapguard("lines", "show", "sac").stdout)


def test_a_line_dated_in_the_future_is_refused() -> None:
    later = (date.today() + timedelta(days=30)).isoformat()
    result = zapguard(
        "lines",
        "add",
        "sac",
        "--phone",
        "+55 11 91234-0001",
        "--role",
        "receptive",
        "--in-use-since",
        later,
        "--provider",
        "meta",
    )
    assert result.exit_code == 2
    assert "in_use_since" in result.stderr and "future" in flat(result.stderr)


def test_a_line_without_history_is_deleted_and_its_number_reused() -> None:
    assert add("sac", "--provider", "meta").exit_code == 0
    result = zapguard("lines", "delete", "sac")
    assert result.exit_code == 0, result.output
    assert "sac" not in zapguard("lines", "list").stdout
    assert add("sac2", "--provider", "meta").exit_code == 0


def test_a_line_with_history_is_retired_not_deleted() -> None:
    assert add("sac", "--provider", "meta").exit_code == 0
    store = Store("sqlite:///zapguard.db")
    try:  # a customer wrote to the line: history
        store.conversations.record_inbound(
            tenant_id="default", line_id="sac", contact="+5531988776655", at=datetime.now(UTC)
        )
    finally:
        store.close()

    refused = zapguard("lines", "delete", "sac")
    assert refused.exit_code == 2
    assert "zapguard lines retire sac" in flat(refused.stderr)

    retired = zapguard("lines", "retire", "sac")
    assert retired.exit_code == 0, retired.output
    assert "retired" in flat(zapguard("lines", "show", "sac").stdout)
    assert add("sac2", "--provider", "meta").exit_code == 0  # the number is free again


def test_retiring_or_deleting_an_unknown_line_is_a_clear_error() -> None:
    for command in ("retire", "delete"):
        result = zapguard("lines", command, "nope")
        assert result.exit_code == 2 and "unknown line: 'nope'" in result.stderr


def replayed(line_id: str = "antiga", phone: str = "+5511912349999") -> None:
    """A line as ``zapguard replay`` registers it: no provider."""
    from zapguard.domain.models import AccountType, Line, Role
    from zapguard.store.migrate import upgrade

    upgrade("sqlite:///zapguard.db")
    store = Store("sqlite:///zapguard.db")
    try:
        store.tenants.ensure(tenant_id="default")
        store.lines.add(
            line=Line(
                id=line_id,
                tenant_id="default",
                phone=phone,
                role=Role.RECEPTIVE,
                account=AccountType.BUSINESS,
                in_use_since=date(2023, 1, 2),
                pool="receptive",
            ),
            registered_at=datetime.now(UTC),
        )
        store.conversations.record_inbound(  # its history stays with it
            tenant_id="default", line_id=line_id, contact="+5531988776655", at=datetime.now(UTC)
        )
    finally:
        store.close()


def test_a_replayed_line_is_given_a_provider_and_keeps_its_history() -> None:
    replayed()

    result = zapguard(
        "lines", "provider", "antiga", "--provider", "meta", "--provider-account", "1065403"
    )

    assert result.exit_code == 0, result.output
    shown = flat(zapguard("lines", "show", "antiga").stdout)
    assert "meta (1065403)" in shown
    store = Store("sqlite:///zapguard.db")
    try:
        assert store.conversations.of_contact(tenant_id="default", contact="+5531988776655")[
            "antiga"
        ]
    finally:
        store.close()


def test_a_line_cannot_be_given_a_provider_the_configuration_does_not_have() -> None:
    replayed()

    result = zapguard("lines", "provider", "antiga", "--provider", "waha")

    assert result.exit_code == 2
    assert "waha" in result.stderr and "meta" in flat(result.stderr)


def test_a_provider_account_another_line_uses_is_refused() -> None:
    assert add("sac", "--provider", "meta", "--provider-account", "1065403").exit_code == 0
    replayed()

    result = zapguard(
        "lines", "provider", "antiga", "--provider", "meta", "--provider-account", "1065403"
    )

    assert result.exit_code == 2
    assert "sac" in result.stderr and "1065403" in result.stderr
    assert "Provedor / Provider — " in flat(zapguard("lines", "show", "antiga").stdout)


def test_a_provider_account_with_url_syntax_is_refused() -> None:
    """The account goes into the provider's URLs: "1065403/messages#" would be read as number
    1065403's messages (another line's, on a shared connection)."""
    replayed()

    result = zapguard(
        "lines",
        "provider",
        "antiga",
        "--provider",
        "meta",
        "--provider-account",
        "1065403/messages#",
    )

    assert result.exit_code == 2
    assert "invalid provider account" in flat(result.stderr)
    assert "Provedor / Provider — " in flat(zapguard("lines", "show", "antiga").stdout)


def test_giving_an_unknown_line_a_provider_is_a_clear_error() -> None:
    result = zapguard("lines", "provider", "nope", "--provider", "meta")
    assert result.exit_code == 2 and "unknown line: 'nope'" in result.stderr
