"""The command line: `zapguard rules`, `zapguard explain`, `zapguard init` and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zapguard.cli import app
from zapguard.cli._errors import exit_code_for
from zapguard.config import ConfigError, load_policy_config
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.policy.catalogue import CATALOGUE, RULES
from zapguard.store import migrate
from zapguard.store.errors import ConfigurationError, StoreError


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every command runs in an empty folder, without a ZAPGUARD_CONFIG from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    return tmp_path


def zapguard(*args: str, columns: int = 200) -> Result:
    """Run the command line on a terminal ``columns`` wide (wide: table cells stay on one line)."""
    return CliRunner(env={"COLUMNS": str(columns)}).invoke(app, list(args))


def flat(text: str) -> str:
    """``text`` with every run of white space as one space, as wrapped lines read."""
    return " ".join(text.split())


def assert_one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("erro / error: ")
    return lines[0]


# --- rules --------------------------------------------------------------------------------------


def test_rules_lists_every_code_of_the_catalogue_even_on_a_narrow_terminal() -> None:
    result = zapguard("rules", columns=80)

    assert result.exit_code == 0, result.output
    assert len(RULES) == 26
    for code in CATALOGUE:
        assert code in result.stdout


def test_rules_shows_titles_defaults_and_the_seed_thresholds() -> None:
    result = zapguard("rules")

    assert "Limite diário por linha" in result.stdout
    assert "Daily cap per line" in result.stdout
    assert "reroute within the pool" in result.stdout
    assert "daily_cap = 6.000 / 6,000" in result.stdout
    assert "preset seed" in result.stdout


def test_rules_json_holds_every_rule_with_its_thresholds() -> None:
    result = zapguard("rules", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["preset"] == "seed"
    assert [rule["code"] for rule in document["rules"]] == [rule.code for rule in RULES]
    daily_cap = document["rules"][8]
    assert daily_cap["code"] == "ZG501"
    assert daily_cap["seed_tip"] == 5
    assert daily_cap["default"]["en"] == "reroute within the pool, else defer"
    assert daily_cap["thresholds"][0] == {
        "key": "volume.daily_cap",
        "value": 6000,
        "pt": "6.000",
        "en": "6,000",
        "source": "seed tip 5: no more than 6000 messages a day",
    }


def test_rules_with_the_conservative_preset_shows_800_a_day() -> None:
    table = zapguard("rules", "--preset", "conservative")
    document = json.loads(zapguard("rules", "--preset", "conservative", "--json").stdout)

    assert "daily_cap = 800" in table.stdout
    assert "preset conservative" in table.stdout
    assert document["rules"][8]["thresholds"][0]["value"] == 800


def test_rules_reads_zapguard_toml_from_the_current_folder() -> None:
    Path("zapguard.toml").write_text("[volume]\ndaily_cap = 4321\n", encoding="utf-8")

    assert "daily_cap = 4.321 / 4,321" in zapguard("rules").stdout


def test_rules_reads_the_file_named_by_config() -> None:
    Path("outro.toml").write_text('preset = "moderate"\n', encoding="utf-8")

    assert "daily_cap = 1.500 / 1,500" in zapguard("rules", "--config", "outro.toml").stdout


def test_a_config_with_a_bad_value_exits_2_naming_the_key() -> None:
    Path("zapguard.toml").write_text("[volume]\ndaily_cap = 0\n", encoding="utf-8")

    line = assert_one_line_error(zapguard("rules"), 2)

    assert "zapguard.toml: volume.daily_cap = 0: deve ser >= 1" in line
    assert "must be >= 1" in line


def test_a_config_with_a_toml_syntax_error_exits_2_with_line_and_column() -> None:
    Path("zapguard.toml").write_text("[volume\n", encoding="utf-8")

    line = assert_one_line_error(zapguard("rules"), 2)

    assert "linha 1, coluna" in line


def test_an_unknown_preset_exits_2_listing_the_presets() -> None:
    line = assert_one_line_error(zapguard("rules", "--preset", "agressivo"), 2)

    assert "conservative, moderate, seed" in line


def test_a_missing_config_file_exits_2() -> None:
    line = assert_one_line_error(zapguard("rules", "--config", "sumiu.toml"), 2)

    assert "sumiu.toml: arquivo não encontrado / file not found" in line


# --- explain ------------------------------------------------------------------------------------


def test_explain_shows_title_why_tip_default_thresholds_and_their_source() -> None:
    result = zapguard("explain", "ZG501")

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "ZG501" in text
    assert "Limite diário por linha / Daily cap per line" in text
    assert CATALOGUE["ZG501"].why_pt in flat(text)
    assert "Dica do seed / seed tip: 5" in text
    assert "volume.daily_cap = 6.000 / 6,000" in text
    assert "fonte / source: seed tip 5: no more than 6000 messages a day" in text
    assert "1 <= valor <= 1.000.000 / 1 <= value <= 1,000,000" in text


def test_explain_puts_portuguese_before_english() -> None:
    text = zapguard("explain", "ZG501").stdout

    assert text.index("Por quê:") < text.index("Why:")


def test_explain_accepts_a_lowercase_code() -> None:
    assert "Daily cap per line" in zapguard("explain", "zg501").stdout


def test_explain_uses_the_thresholds_in_force() -> None:
    text = zapguard("explain", "ZG501", "--preset", "conservative").stdout

    assert "volume.daily_cap = 800" in text
    assert "preset conservative" in text


def test_explain_says_when_a_rule_has_no_threshold() -> None:
    assert "no configurable threshold" in zapguard("explain", "ZG301").stdout


def test_explain_with_an_unknown_code_exits_2_with_one_line_listing_valid_codes() -> None:
    line = assert_one_line_error(zapguard("explain", "ZG999"), 2)

    assert '"ZG999"' in line
    assert "ZG101, ZG102" in line
    assert "ZG903" in line


# --- init ---------------------------------------------------------------------------------------


@pytest.fixture
def migrations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs `init` asks the store to migrate (the store's own tests cover the migration)."""
    upgraded: list[str] = []

    def upgrade(url: str, revision: str = "head") -> None:
        upgraded.append(url)

    monkeypatch.setattr(migrate, "upgrade", upgrade)
    return upgraded


def test_init_writes_a_commented_config_and_creates_the_database(migrations: list[str]) -> None:
    result = zapguard("init", "--preset", "moderate")

    assert result.exit_code == 0, result.output
    assert migrations == ["sqlite:///zapguard.db"]
    assert load_policy_config(Path("zapguard.toml"), None).volume.daily_cap == 1500
    assert "fonte / source: seed tip 5" in Path("zapguard.toml").read_text(encoding="utf-8")


def test_init_never_overwrites_an_existing_config(migrations: list[str]) -> None:
    Path("zapguard.toml").write_text("[volume]\ndaily_cap = 10\n", encoding="utf-8")

    result = zapguard("init")

    assert result.exit_code == 0, result.output
    assert "já existe" in result.stdout
    assert Path("zapguard.toml").read_text(encoding="utf-8") == "[volume]\ndaily_cap = 10\n"
    assert migrations == ["sqlite:///zapguard.db"]


def test_init_with_force_replaces_the_config(migrations: list[str]) -> None:
    Path("zapguard.toml").write_text("[volume]\ndaily_cap = 10\n", encoding="utf-8")

    result = zapguard("init", "--force")

    assert result.exit_code == 0, result.output
    assert load_policy_config(Path("zapguard.toml"), None).volume.daily_cap == 6000


def test_init_with_a_database_url_writes_it_and_migrates_it(migrations: list[str]) -> None:
    url = "postgresql+psycopg://zapguard:segredo@127.0.0.1/zapguard"

    result = zapguard("init", "--db", url, "--config", "prod.toml")

    assert result.exit_code == 0, result.output
    assert migrations == [url]
    assert f'database_url = "{url}"' in Path("prod.toml").read_text(encoding="utf-8")
    assert "segredo" not in result.stdout


def test_init_leaves_no_config_behind_when_the_database_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(url: str, revision: str = "head") -> None:
        raise StoreError("banco inacessível / database unreachable")

    monkeypatch.setattr(migrate, "upgrade", unreachable)

    line = assert_one_line_error(zapguard("init"), 3)

    assert "database unreachable" in line
    assert not Path("zapguard.toml").exists()


# --- exit codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("zapguard.toml: x"), 2),
        (InvalidPhoneNumber("número inválido / invalid number"), 2),
        (ConfigurationError("esquema desconhecido / unknown scheme"), 2),
        (StoreError("banco inacessível / database unreachable"), 3),
        (ValueError("a bug, not bad input"), None),
        (KeyError("a bug"), None),
    ],
)
def test_expected_failures_map_to_exit_codes_and_bugs_keep_their_traceback(
    error: Exception, code: int | None
) -> None:
    assert exit_code_for(error) == code


def test_explain_quotes_the_seed_tip_the_rule_enforces() -> None:
    result = zapguard("explain", "ZG601")
    assert result.exit_code == 0
    assert "Não use números ou dispositivos que foram bloqueados" in flat(result.stdout)
