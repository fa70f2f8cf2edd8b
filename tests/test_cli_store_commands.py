"""The store-backed commands: `lines`, `consent`, `blocklist import` and `check`, as a person uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zapguard.cli import app


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    assert zapguard("init").exit_code == 0
    with (tmp_path / "zapguard.toml").open("a", encoding="utf-8") as config:
        config.write(
            '\n[providers.simulator]\nkind = "simulator"\nbase_url = "http://127.0.0.1:8081"\n'
        )
    return tmp_path


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


def add_receptive_and_campaign(campaign_device: str = "galaxy-2") -> None:
    assert (
        zapguard(
            "lines",
            "add",
            "recv",
            "--phone",
            "+55 11 91234-0001",
            "--role",
            "receptive",
            "--in-use-since",
            "2024-01-01",
            "--provider",
            "simulator",
            "--device",
            "moto-1",
            "--network",
            "200.1.1.1",
        ).exit_code
        == 0
    )
    result = zapguard(
        "lines",
        "add",
        "camp",
        "--phone",
        "+55 11 91234-0002",
        "--role",
        "campaign",
        "--in-use-since",
        "2025-01-01",
        "--provider",
        "simulator",
        "--device",
        campaign_device,
        "--network",
        "187.2.2.2",
    )
    assert result.exit_code == 0, result.output


def write_message(path: Path, **fields: object) -> Path:
    message = {"contact": "553188776655", "category": "marketing", "author": "system"}
    message.update(fields)
    path.write_text(json.dumps(message), encoding="utf-8")
    return path


def test_lines_add_registers_and_lists_the_line(workdir: Path) -> None:
    add_receptive_and_campaign()
    listing = flat(zapguard("lines", "list").stdout)
    assert "recv" in listing and "+5511912340001" in listing and "0/6000" in listing
    shown = flat(zapguard("lines", "show", "camp").stdout)
    assert "galaxy-2" in shown and "campaign" in shown


def test_lines_add_flags_a_campaign_line_on_the_receptive_device(workdir: Path) -> None:
    add_receptive_and_campaign(campaign_device="moto-1")
    result = zapguard(
        "lines",
        "add",
        "camp2",
        "--phone",
        "+55 11 91234-0003",
        "--role",
        "campaign",
        "--in-use-since",
        "2025-01-01",
        "--provider",
        "simulator",
        "--device",
        "moto-1",
    )
    assert result.exit_code == 0
    assert "[ZG401]" in result.stderr


def test_lines_add_refuses_an_invalid_phone_in_one_line(workdir: Path) -> None:
    result = zapguard(
        "lines",
        "add",
        "x",
        "--phone",
        "123",
        "--role",
        "receptive",
        "--in-use-since",
        "2024-01-01",
        "--provider",
        "simulator",
    )
    assert result.exit_code == 2
    assert "invalid phone number" in result.stderr and "Traceback" not in result.output


def test_lines_add_refuses_a_duplicate_line(workdir: Path) -> None:
    add_receptive_and_campaign()
    result = zapguard(
        "lines",
        "add",
        "recv",
        "--phone",
        "+55 11 91234-0009",
        "--role",
        "receptive",
        "--in-use-since",
        "2024-01-01",
        "--provider",
        "simulator",
    )
    assert result.exit_code == 3
    assert "already registered" in flat(result.stderr)


def test_lines_show_of_an_unknown_line_is_a_clear_error(workdir: Path) -> None:
    result = zapguard("lines", "show", "nope")
    assert result.exit_code == 2 and "unknown line: 'nope'" in result.stderr


def test_consent_grant_then_check_allows_marketing_from_the_campaign_line(workdir: Path) -> None:
    add_receptive_and_campaign()
    assert zapguard("consent", "grant", "+55 31 98877-6655", "--source", "site").exit_code == 0
    message = write_message(
        workdir / "m.json", line="camp", text="Oi!", at="2026-03-10T10:00:00-03:00"
    )
    result = zapguard("check", str(message), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "allow"


def test_check_exits_1_and_explains_a_rejection(workdir: Path) -> None:
    add_receptive_and_campaign()
    message = write_message(workdir / "m.json", line="camp", at="2026-03-10T10:00:00-03:00")
    result = zapguard("check", str(message), "--json")
    assert result.exit_code == 1
    decision = json.loads(result.stdout)
    assert decision["codes"] == ["ZG201"] and "opt-in" in decision["message_pt"]


def test_check_reroutes_a_campaign_asked_of_the_receptive_line(workdir: Path) -> None:
    add_receptive_and_campaign()
    zapguard("consent", "grant", "553188776655", "--source", "site")
    message = write_message(workdir / "m.json", line="recv", at="2026-03-10T10:00:00-03:00")
    decision = json.loads(zapguard("check", str(message), "--json").stdout)
    assert (decision["verdict"], decision["line"]) == ("reroute", "camp")


def test_check_does_not_reserve_quota(workdir: Path) -> None:
    add_receptive_and_campaign()
    zapguard("consent", "grant", "553188776655", "--source", "site")
    message = write_message(workdir / "m.json", line="camp", at="2026-03-10T10:00:00-03:00")
    for _ in range(3):
        zapguard("check", str(message))
    assert "0/6000" in flat(zapguard("lines", "list").stdout)


def test_check_names_what_is_wrong_in_a_bad_message_file(workdir: Path) -> None:
    bad = workdir / "bad.json"
    bad.write_text('{"contact": "553188776655", "category": "spam"}', encoding="utf-8")
    result = zapguard("check", str(bad))
    assert result.exit_code == 2
    assert "category" in result.stderr and "author" in result.stderr


def test_consent_revoke_keeps_the_grant_as_evidence(workdir: Path) -> None:
    zapguard("consent", "grant", "553188776655", "--source", "site", "--wording", "Aceito ofertas")
    zapguard("consent", "revoke", "+55 31 98877-6655", "--how", "keyword")
    shown = flat(zapguard("consent", "show", "553188776655").stdout)
    assert (
        "grant" in shown and "Aceito ofertas" in shown and "revoke" in shown and "keyword" in shown
    )


def test_consent_import_is_all_or_nothing_unless_told_to_skip(workdir: Path) -> None:
    csv_file = workdir / "optins.csv"
    csv_file.write_text(
        "contact,granted_at,source,wording\n"
        "5521999887766,2026-01-05T10:00:00-03:00,loja,Quero ofertas\n"
        "not-a-phone,,loja,\n",
        encoding="utf-8",
    )
    refused = zapguard("consent", "import", str(csv_file))
    assert refused.exit_code == 2
    assert "optins.csv:3" in refused.stderr and "nothing imported" in flat(refused.stderr)
    assert "grant" not in zapguard("consent", "show", "5521999887766").stdout

    kept = zapguard("consent", "import", str(csv_file), "--skip-bad")
    assert kept.exit_code == 0 and "1 opt-in" in kept.stdout
    assert "Quero ofertas" in flat(zapguard("consent", "show", "5521999887766").stdout)


def test_a_consent_dated_in_the_future_is_refused_on_the_command_line_and_in_a_file(
    workdir: Path,
) -> None:
    granted = zapguard("consent", "grant", "553188776655", "--source", "site", "--at", "2030-01-01")
    assert granted.exit_code == 2
    assert "consent dated in the future" in flat(granted.stderr)

    csv_file = workdir / "optins.csv"
    csv_file.write_text(
        "contact,granted_at,source\n5521999887766,2030-01-05T10:00:00-03:00,loja\n",
        encoding="utf-8",
    )
    imported = zapguard("consent", "import", str(csv_file))
    assert imported.exit_code == 2
    assert "optins.csv:2" in imported.stderr and "in the future" in flat(imported.stderr)
    assert "grant" not in zapguard("consent", "show", "553188776655").stdout
    assert "grant" not in zapguard("consent", "show", "5521999887766").stdout


def test_consent_import_names_missing_columns(workdir: Path) -> None:
    csv_file = workdir / "optins.csv"
    csv_file.write_text("phone,when\n5521999887766,2026-01-05\n", encoding="utf-8")
    result = zapguard("consent", "import", str(csv_file))
    assert result.exit_code == 2 and "missing columns: contact, source" in flat(result.stderr)


def test_an_imported_blocklist_blocks_links_in_checked_messages(workdir: Path) -> None:
    add_receptive_and_campaign()
    zapguard("consent", "grant", "553188776655", "--source", "site")
    feed = workdir / "feed.txt"
    feed.write_text("# meus domínios\ngolpe.com\n", encoding="utf-8")
    imported = zapguard("blocklist", "import", str(feed))
    assert imported.exit_code == 0 and "1 novo" in imported.stdout
    message = write_message(
        workdir / "m.json",
        line="camp",
        text="https://pix.golpe.com/x",
        at="2026-03-10T10:00:00-03:00",
    )
    decision = json.loads(zapguard("check", str(message), "--json").stdout)
    assert decision["codes"] == ["ZG702"]


def test_a_line_is_registered_with_its_provider_account_and_helpdesk() -> None:
    result = zapguard(
        "lines",
        "add",
        "sac",
        "--phone",
        "+55 11 91234-0009",
        "--role",
        "receptive",
        "--in-use-since",
        "2024-01-01",
        "--provider",
        "simulator",
        "--provider-account",
        "106540352242922",
        "--helpdesk-url",
        "https://chatwoot.example.com.br/webhooks/whatsapp/+5511912340009",
    )
    assert result.exit_code == 0, result.stderr
    shown = flat(zapguard("lines", "show", "sac").stdout)
    assert "simulator (106540352242922)" in shown
    assert "https://chatwoot.example.com.br/webhooks/whatsapp/+5511912340009" in shown


def test_a_cloud_line_is_registered_with_its_business_account() -> None:
    result = zapguard(
        "lines",
        "add",
        "avisos",
        "--phone",
        "+55 11 91234-0010",
        "--role",
        "campaign",
        "--in-use-since",
        "2024-01-01",
        "--provider",
        "simulator",
        "--provider-account",
        "106540352242922",
        "--business-account",
        "102290129340398",
    )
    assert result.exit_code == 0, result.stderr
    shown = flat(zapguard("lines", "show", "avisos").stdout)
    assert "Conta comercial (WABA) / Business account 102290129340398" in shown
