"""zapguard.toml: presets, overrides, the commented default file, and errors a person can act on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from zapguard.config import (
    RULE_SETTINGS,
    AppConfig,
    ConfigError,
    available_presets,
    format_setting,
    load_app_config,
    load_policy_config,
    render_default_config,
    rule_settings,
    setting_source,
    write_default_config,
)
from zapguard.policy.catalogue import CATALOGUE
from zapguard.policy.config import PolicyConfig


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so files are named as a person would type them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str, name: str = "zapguard.toml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def problem(text: str) -> str:
    """The message of the ConfigError that loading ``text`` as zapguard.toml raises."""
    path = write(text)
    with pytest.raises(ConfigError) as raised:
        load_policy_config(path, None)
    return str(raised.value)


def all_policy_keys() -> set[str]:
    keys = set()
    for section, field in PolicyConfig.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            keys |= {f"{section}.{name}" for name in model.model_fields}
    return keys


# --- defaults and presets -----------------------------------------------------------------------


def test_defaults_are_the_seed_documents_numbers() -> None:
    config = load_policy_config(None, None)

    assert config.preset == "seed"
    assert config.volume.daily_cap == 6000  # seed tip 5
    assert (config.volume.gap_min_seconds, config.volume.gap_max_seconds) == (2.5, 7)
    assert config.volume.merge_window_seconds == 4
    assert config.volume.pair_interval_seconds == 6
    assert (config.volume.quiet_start, config.volume.quiet_end) == (8, 20)
    assert config.volume.identical_max == 3
    assert (config.warmup.day_one, config.warmup.growth, config.warmup.no_active_days) == (
        20,
        1.5,
        3,
    )
    assert config.warmup.restart_after_days == 7
    assert config.replies.unanswered_limit == 5
    assert (config.health.halve_below, config.health.pause_below) == (80, 40)
    assert config.presence.bot_alone_hours == 24


def test_the_seed_preset_is_the_built_in_defaults() -> None:
    assert load_policy_config(None, "seed") == PolicyConfig()


def test_moderate_allows_1500_a_day_with_slower_pacing_and_a_longer_warm_up() -> None:
    seed, moderate = load_policy_config(None, "seed"), load_policy_config(None, "moderate")

    assert moderate.preset == "moderate"
    assert moderate.volume.daily_cap == 1500
    assert moderate.volume.gap_min_seconds > seed.volume.gap_min_seconds
    assert moderate.volume.gap_max_seconds > seed.volume.gap_max_seconds
    assert moderate.warmup.day_one < seed.warmup.day_one
    assert moderate.warmup.no_active_days > seed.warmup.no_active_days


def test_conservative_allows_800_a_day_and_is_stricter_than_moderate() -> None:
    moderate = load_policy_config(None, "moderate")
    conservative = load_policy_config(None, "conservative")

    assert conservative.volume.daily_cap == 800
    assert conservative.volume.gap_min_seconds > moderate.volume.gap_min_seconds
    assert conservative.volume.pair_interval_seconds > moderate.volume.pair_interval_seconds
    assert conservative.warmup.growth < moderate.warmup.growth
    assert conservative.warmup.no_active_days > moderate.warmup.no_active_days


def test_the_shipped_presets_are_seed_moderate_and_conservative() -> None:
    assert available_presets() == ["conservative", "moderate", "seed"]


# --- the file over the preset -------------------------------------------------------------------


def test_the_file_overrides_its_presets_values_key_by_key(workdir: Path) -> None:
    path = write('preset = "moderate"\n[volume]\ndaily_cap = 1000\n')

    config = load_policy_config(path, None)

    assert config.preset == "moderate"
    assert config.volume.daily_cap == 1000  # from the file
    assert config.volume.gap_min_seconds == 4  # from the moderate preset
    assert config.volume.quiet_start == 8  # from the built-in defaults


def test_an_explicit_preset_wins_over_the_files(workdir: Path) -> None:
    path = write('preset = "moderate"\n[warmup]\nday_one = 5\n')

    config = load_policy_config(path, "conservative")

    assert config.preset == "conservative"
    assert config.volume.daily_cap == 800
    assert config.warmup.day_one == 5


def test_nested_tables_merge_instead_of_replacing(workdir: Path) -> None:
    path = write('[consent.opt_out_keywords]\nes = ["baja"]\n')

    keywords = load_policy_config(path, None).consent.opt_out_keywords

    assert keywords["es"] == ["baja"]
    assert "sair" in keywords["pt"]
    assert "stop" in keywords["en"]


def test_the_app_section_is_read_apart_from_the_policy(workdir: Path) -> None:
    path = write(
        '[app]\ndatabase_url = "postgresql+psycopg://db/zapguard"\ntenant = "acme"\n'
        "[volume]\ndaily_cap = 100\n"
    )

    app = load_app_config(path)

    assert load_policy_config(path, None).volume.daily_cap == 100
    assert app.database_url == "postgresql+psycopg://db/zapguard"
    assert app.counters_url == app.database_url  # counters follow the database unless set
    assert app.tenant == "acme"


def test_app_defaults_are_a_local_sqlite_database() -> None:
    assert load_app_config(None) == AppConfig()
    assert AppConfig().database_url == "sqlite:///zapguard.db"
    assert AppConfig().counters_url == "sqlite:///zapguard.db"
    assert AppConfig().tenant == "default"


def test_counters_may_live_apart_from_the_database(workdir: Path) -> None:
    path = write('[app]\ncounters_url = "redis://127.0.0.1:6379/0"\n')

    app = load_app_config(path)

    assert (app.database_url, app.counters_url) == (
        "sqlite:///zapguard.db",
        "redis://127.0.0.1:6379/0",
    )


# --- errors -------------------------------------------------------------------------------------


def test_a_value_below_its_range_names_file_key_value_and_range_in_pt_then_en(
    workdir: Path,
) -> None:
    message = problem("[volume]\ndaily_cap = 0\n")

    assert message.startswith("zapguard.toml: volume.daily_cap = 0: deve ser >= 1")
    assert "1 <= valor <= 1.000.000" in message
    assert "must be >= 1 (1 <= value <= 1,000,000)" in message
    assert message.index("deve ser") < message.index("must be")


@pytest.mark.parametrize(
    ("toml", "key", "pt", "en"),
    [
        ("[warmup]\ngrowth = 11\n", "warmup.growth = 11", "deve ser <= 10", "must be <= 10"),
        (
            "[consent]\nopen_conversation_hours = 0\n",
            "consent.open_conversation_hours = 0",
            "deve ser > 0 (0 < valor <= 720)",
            "must be > 0 (0 < value <= 720)",
        ),
        (
            '[volume]\ndaily_cap = "many"\n',
            'volume.daily_cap = "many"',
            "deve ser um número inteiro",
            "must be a whole number",
        ),
        (
            "[volume]\ndaily_cap = 6000.5\n",
            "volume.daily_cap = 6000.5",
            "deve ser um número inteiro",
            "must be a whole number",
        ),
        ("[volume]\ndaily_cap = true\n", "volume.daily_cap = true", "inteiro", "whole number"),
        (
            '[volume]\ncampaign_days = "mon"\n',
            'volume.campaign_days = "mon"',
            "deve ser uma lista",
            "must be a list",
        ),
        ("volume = 5\n", "volume = 5", "deve ser uma seção [volume]", "must be a [volume] table"),
    ],
)
def test_each_bad_value_is_named_with_what_is_allowed(
    workdir: Path, toml: str, key: str, pt: str, en: str
) -> None:
    message = problem(toml)

    assert message.startswith(f"zapguard.toml: {key}: ")
    assert pt in message
    assert en in message


def test_inconsistent_values_name_both_keys(workdir: Path) -> None:
    message = problem("[volume]\ngap_min_seconds = 9\ngap_max_seconds = 8\n")

    assert "[volume]" in message
    assert "gap_min_seconds deve ser <= gap_max_seconds" in message
    assert "gap_min_seconds must be <= gap_max_seconds" in message


def test_every_problem_is_reported_at_once(workdir: Path) -> None:
    path = write("[volume]\ndaily_cap = 0\nidentical_max = 0\n")

    with pytest.raises(ConfigError) as raised:
        load_policy_config(path, None)

    assert len(raised.value.problems) == 2
    assert "\n" not in str(raised.value)


def test_an_unknown_key_is_named_with_the_valid_keys_of_its_section(workdir: Path) -> None:
    message = problem("[volume]\ndaly_cap = 100\n")

    assert message.startswith("zapguard.toml: volume.daly_cap: chave desconhecida / unknown key")
    assert "did you mean daily_cap?" in message
    valid = message.split("valid in [volume]: ")[1].split(", ")
    assert set(valid) == {
        key.split(".")[1] for key in all_policy_keys() if key.startswith("volume.")
    }


def test_an_unknown_section_is_named_with_the_valid_sections(workdir: Path) -> None:
    message = problem("[volumes]\ndaily_cap = 100\n")

    assert "volumes: seção desconhecida / unknown section" in message
    assert "did you mean volume?" in message
    assert (
        "app, consent, dispatch, health, identity, links, marketing_hold, meta_delivery, portfolio"
        in message
    )


def test_an_unknown_app_key_lists_the_app_keys(workdir: Path) -> None:
    path = write('[app]\ndatabase = "sqlite:///x.db"\n')

    with pytest.raises(ConfigError, match=r"app\.database: chave desconhecida") as raised:
        load_app_config(path)

    assert (
        "coordination_url, counters_restore_settle_seconds, counters_url, database_url, "
        "job_lease_seconds, tenant"
    ) in str(raised.value)


def test_a_bad_database_url_is_reported_once_where_it_was_set(workdir: Path) -> None:
    path = write('[app]\ndatabase_url = "zapguard.db"\n')

    with pytest.raises(ConfigError) as raised:
        load_app_config(path)

    assert raised.value.problems == (
        'zapguard.toml: app.database_url = "zapguard.db": deve ser uma URL, ex.: '
        "sqlite:///zapguard.db, postgresql+psycopg://host/banco / must be a URL, e.g. "
        "sqlite:///zapguard.db, postgresql+psycopg://host/db",
    )


def test_an_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        load_policy_config(None, "agressivo")

    assert str(raised.value) == (
        'preset "agressivo" desconhecido; disponíveis: conservative, moderate, seed / '
        'unknown preset "agressivo"; available: conservative, moderate, seed'
    )


def test_an_unknown_preset_in_the_file_names_the_file(workdir: Path) -> None:
    message = problem('preset = "../seed"\n')

    assert message.startswith('zapguard.toml: preset = "../seed": preset desconhecido')
    assert "available: conservative, moderate, seed" in message


def test_a_toml_syntax_error_gives_line_and_column(workdir: Path) -> None:
    message = problem("[volume]\ndaily_cap = 6000\ngap_min_seconds 3\n")

    assert message.startswith("zapguard.toml: linha 3, coluna 17: TOML inválido")
    assert "line 3, column 17: invalid TOML" in message


def test_a_syntax_error_at_the_end_of_the_file_points_at_its_last_line(workdir: Path) -> None:
    message = problem("[volume]\ndaily_cap =")

    assert "linha 2, coluna 12" in message


def test_a_missing_file_is_an_error_not_the_defaults(workdir: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_policy_config(Path("nao-existe.toml"), None)

    assert str(raised.value) == "nao-existe.toml: arquivo não encontrado / file not found"


# --- the rules and their settings ---------------------------------------------------------------


def test_every_rule_of_the_catalogue_lists_its_settings() -> None:
    assert set(RULE_SETTINGS) == set(CATALOGUE)


def test_every_setting_is_read_by_some_rule_and_exists() -> None:
    used = {key for keys in RULE_SETTINGS.values() for key in keys}

    assert used == all_policy_keys()


def test_rule_settings_are_the_values_in_force() -> None:
    conservative = load_policy_config(None, "conservative")

    assert rule_settings(conservative, "ZG501") == {
        "volume.daily_cap": 800,
        "volume.window_hours": 24,
        "volume.pool_alert_ratio": 0.8,
        "volume.pool_check_minutes": 5,
    }
    assert rule_settings(conservative, "ZG301") == {}


@pytest.mark.parametrize(
    ("key", "value", "pt", "en"),
    [
        ("volume.daily_cap", 6000, "6.000", "6,000"),
        ("volume.gap_min_seconds", 2.5, "2,5 s", "2.5 s"),
        ("volume.window_hours", 24.0, "24 h", "24 h"),
        ("volume.quiet_start", 8, "08:00", "08:00"),
        ("volume.campaign_days", ["mon", "sat"], "seg, sáb", "mon, sat"),
        ("warmup.growth", 1.5, "×1,5", "×1.5"),
        ("warmup.restart_after_days", 7, "7 dias", "7 days"),
        ("links.short_domain", None, "desligado", "off"),
        ("links.blocked_domains", [], "nenhum", "none"),
        ("health.recovery_per_hour", 2.25, "2,25/h", "2.25/h"),
    ],
)
def test_settings_are_formatted_for_people_in_pt_and_en(
    key: str, value: object, pt: str, en: str
) -> None:
    assert format_setting(key, value) == (pt, en)


# --- the commented default file -----------------------------------------------------------------


def test_the_default_file_loads_as_the_default_config(workdir: Path) -> None:
    write_default_config(Path("zapguard.toml"))

    assert load_policy_config(Path("zapguard.toml"), None) == load_policy_config(None, None)
    assert load_app_config(Path("zapguard.toml")) == AppConfig()


def test_the_default_files_commented_values_are_exactly_the_defaults(workdir: Path) -> None:
    text = render_default_config()
    uncommented = re.sub(r"^# ([a-z_]+ = [^(].*)$", r"\1", text, flags=re.MULTILINE)
    assert uncommented != text

    path = write(uncommented)

    assert load_policy_config(path, None) == PolicyConfig()


def test_the_default_file_shows_every_section_key_and_source() -> None:
    text = render_default_config()
    document = tomllib.loads(text)

    for section in PolicyConfig.model_fields:
        if section != "preset":
            assert f"[{section}]" in text
            assert section in document
    for key in all_policy_keys():
        name = key.split(".")[1]
        assert re.search(rf"^# {name} = ", text, flags=re.MULTILINE), key
        assert f"fonte / source: {setting_source(key)}" in text
    for name in AppConfig.model_fields:
        assert re.search(rf"^(# )?{name} = ", text, flags=re.MULTILINE), name


def test_a_default_file_for_a_preset_follows_that_preset(workdir: Path) -> None:
    write_default_config(Path("zapguard.toml"), preset="conservative")

    text = Path("zapguard.toml").read_text(encoding="utf-8")

    assert load_policy_config(Path("zapguard.toml"), None).volume.daily_cap == 800
    assert "# daily_cap = 800  # padrão / default: 6000" in text


def test_the_default_file_never_replaces_an_existing_one(workdir: Path) -> None:
    path = write("[volume]\ndaily_cap = 10\n")

    with pytest.raises(ConfigError, match="já existe"):
        write_default_config(path)

    assert path.read_text(encoding="utf-8") == "[volume]\ndaily_cap = 10\n"


def test_the_default_file_may_name_the_database(workdir: Path) -> None:
    write_default_config(Path("zapguard.toml"), database_url="postgresql+psycopg://db/z")

    app = load_app_config(Path("zapguard.toml"))

    assert app.database_url == app.counters_url == "postgresql+psycopg://db/z"
