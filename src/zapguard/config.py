"""Reading ``zapguard.toml``: a preset, the file's overrides on top, and errors a person can act on.

A configuration is built in three layers, each overriding the one before key by key:

1. the built-in defaults of :class:`~zapguard.policy.config.PolicyConfig` (the seed document's numbers);
2. a preset, package data ``zapguard/presets/<name>.toml`` (``seed``, ``moderate``, ``conservative``),
   chosen by the caller, else by the file's top-level ``preset = "..."``, else ``seed``;
3. the file's own sections (``[volume]``, ``[warmup]``, ...).

The file may also hold an ``[app]`` section, which is not policy: where the database and the quota
counters live, and the default tenant (:class:`AppConfig`).

Every problem raises :class:`ConfigError` with one line naming the file, the dotted key, what was wrong
and the allowed range, in pt-BR first and English beside::

    zapguard.toml: volume.daily_cap = 0: deve ser >= 1 (1 <= valor <= 1.000.000) / must be >= 1 ...

:func:`write_default_config` writes a commented file generated from the models, so it never drifts from
them. :data:`RULE_SETTINGS` maps each rule code of the catalogue to the settings it reads.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from zapguard.config_error import ConfigError
from zapguard.config_location import (
    DEFAULT_CONFIG_NAME,
    DEFAULT_PRESET,
    PRESETS_FOLDER,
    available_presets,
    find_config,
)
from zapguard.policy.catalogue import CATALOGUE, num_en, num_pt
from zapguard.policy.config import PolicyConfig

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_PRESET",
    "RULE_SETTINGS",
    "AppConfig",
    "ConfigError",
    "available_presets",
    "find_config",
    "format_setting",
    "load_app_config",
    "load_policy_config",
    "read_sections",
    "render_default_config",
    "rule_settings",
    "setting_field",
    "setting_range",
    "setting_source",
    "setting_span",
    "write_config_text",
    "write_default_config",
]


_APP_SECTION: Final = "app"
# Read by zapguard.service_config; listed here so the policy loader accepts them.
_SERVICE_SECTIONS: Final = ("server", "dispatch", "retention", "providers")
_PRESET_KEY: Final = "preset"


class AppConfig(BaseModel):
    """The ``[app]`` section: where zapguard keeps its state. Not policy; presets never touch it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    database_url: str = Field(
        default="sqlite:///zapguard.db",
        pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://",
        description=(
            "URL do banco de dados: SQLite (um processo) ou PostgreSQL (vários workers) / "
            "database URL: SQLite (one process) or PostgreSQL (several workers)"
        ),
    )
    counters_url: str = Field(
        default="sqlite:///zapguard.db",
        pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://",
        description=(
            "contadores de cota; padrão: o mesmo banco; redis://... com vários workers / "
            "quota counters; default: the same database; redis://... with several workers"
        ),
    )
    coordination_url: str = Field(
        default="sqlite:///zapguard.db",
        pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://",
        description=(
            "quem roda cada tarefa de fundo (filas por linha, limpeza) e os avisos de trabalho "
            "novo; padrão: o mesmo banco; postgresql://... ou redis://... com vários hosts / "
            "who runs each background job (per-line lanes, purge) and the new-work wake-ups; "
            "default: the same database; postgresql://... or redis://... across hosts"
        ),
    )
    counters_restore_settle_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description=(
            "quando o Redis perde os contadores, quanto esperar antes de restaurá-los das "
            "mensagens aceitas, para que as gravadas logo antes da perda já estejam no banco / "
            "when Redis lost the counters, how long to wait before restoring them from the "
            "accepted messages, so that those written just before the loss are in the database "
            "(source: zapguard's choice, far longer than one write transaction, which takes "
            "milliseconds)"
        ),
    )
    job_lease_seconds: float = Field(
        default=15.0,
        ge=1,
        le=600,
        description=(
            "prazo da vez de um trabalhador numa tarefa sem renovação; um trabalhador morto "
            "perde suas tarefas depois dele / how long a job's lease outlives its holder's last "
            "heartbeat: a dead worker's jobs move after it (source: zapguard's choice, three "
            "heartbeats of 5 s, so one slow beat never moves a job)"
        ),
    )
    tenant: str = Field(
        default="default",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="empresa (tenant) padrão dos comandos / default tenant of the commands",
    )

    @model_validator(mode="before")
    @classmethod
    def _counters_follow_database(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "database_url" in data:
            for key in ("counters_url", "coordination_url"):
                if key not in data:
                    data = {**data, key: data["database_url"]}
        return data


# Which settings each rule reads: the thresholds `zapguard rules` shows beside each code.
RULE_SETTINGS: Final[Mapping[str, tuple[str, ...]]] = {
    "ZG101": ("identity.personal_account_risk",),
    "ZG102": (),
    "ZG201": (),
    "ZG202": ("consent.open_conversation_hours",),
    "ZG203": ("consent.opt_out_keywords",),
    "ZG301": (),
    "ZG302": (),
    "ZG401": (),
    "ZG501": (
        "volume.daily_cap",
        "volume.window_hours",
        "volume.pool_alert_ratio",
        "volume.pool_check_minutes",
    ),
    "ZG502": ("volume.merge_window_seconds",),
    "ZG503": ("volume.gap_min_seconds", "volume.gap_max_seconds", "volume.pair_interval_seconds"),
    "ZG504": ("volume.quiet_start", "volume.quiet_end", "volume.campaign_days"),
    "ZG505": ("volume.identical_max", "volume.identical_window_minutes"),
    "ZG601": (),
    "ZG602": ("quarantine.reply_window_hours",),
    "ZG701": (),
    "ZG702": ("links.blocked_domains",),
    "ZG703": ("links.short_domain", "links.shorten_over", "links.public_shorteners"),
    "ZG801": ("presence.bot_alone_hours",),
    "ZG901": (
        "warmup.day_one",
        "warmup.growth",
        "warmup.no_active_days",
        "warmup.restart_after_days",
    ),
    "ZG902": ("replies.unanswered_limit",),
    "ZG506": (
        "portfolio.unknown_limit",
        "portfolio.window_hours",
        "portfolio.service_window_hours",
        "portfolio.alert_share",
    ),
    "ZG508": ("meta_delivery.marketing_blocked_country_codes", "portfolio.service_window_hours"),
    "ZG507": ("templates.red_defer_hours",),
    "ZG905": (
        "marketing_hold.first_hold_hours",
        "marketing_hold.max_hold_days",
        "marketing_hold.repeat_within_days",
        "health.per_user_codes",
        "health.penalty_per_user_failure",
    ),
    "ZG903": (
        "health.penalty_reported",
        "health.penalty_blocked",
        "health.penalty_spam_failure",
        "health.penalty_other_failure",
        "health.penalty_per_user_failure",
        "health.per_user_codes",
        "health.spam_codes",
        "health.ban_codes",
        "health.ban_disconnect_reasons",
        "health.recovery_per_hour",
        "health.halve_below",
        "health.pause_below",
    ),
}

_SECTION_TITLES: Final[Mapping[str, tuple[str, str]]] = {
    "identity": ("Identidade da linha", "Line identity"),
    "consent": ("Consentimento e descadastro", "Consent and opt-out"),
    "volume": ("Volume, ritmo e horários", "Volume, pacing and hours"),
    "links": ("Links", "Links"),
    "presence": ("Presença humana", "Human presence"),
    "warmup": ("Aquecimento de números novos", "Warm-up of new numbers"),
    "replies": ("Taxa de resposta", "Reply ratio"),
    "health": ("Saúde da linha", "Line health"),
    "quarantine": ("Quarentena após banimento", "Quarantine after a ban"),
    "portfolio": ("Limite do portfólio Meta (Cloud API)", "Meta portfolio limit (Cloud API)"),
    "meta_delivery": ("Marketing que a Meta não entrega", "Marketing Meta will not deliver"),
    "marketing_hold": (
        "Limite de marketing por pessoa (131049)",
        "Per-user marketing limit (131049)",
    ),
    "templates": ("Modelos da Cloud API", "Cloud API templates"),
}

_WEEKDAYS_PT: Final[Mapping[str, str]] = {
    "mon": "seg",
    "tue": "ter",
    "wed": "qua",
    "thu": "qui",
    "fri": "sex",
    "sat": "sáb",
    "sun": "dom",
}


# --- loading ------------------------------------------------------------------------------------


def load_policy_config(path: Path | None, preset: str | None = None) -> PolicyConfig:
    """The rule thresholds: the preset's values, overridden key by key by the file's sections.

    ``preset`` wins over the file's own ``preset = "..."``; with neither, the ``seed`` preset is used.
    Raises :class:`ConfigError` for anything wrong in the file or the preset name.
    """
    document = _read_document(path) if path is not None else {}
    label = _label(path) if path is not None else "zapguard"
    name = _choose_preset(document, preset, label)
    preset_document = _read_preset(name)

    merged = _deep_merge(PolicyConfig().model_dump(), _without(preset_document, _PRESET_KEY))
    merged = _deep_merge(merged, _without(document, _PRESET_KEY, _APP_SECTION, *_SERVICE_SECTIONS))
    merged[_PRESET_KEY] = name
    try:
        return PolicyConfig.model_validate(merged, strict=True)
    except ValidationError as error:
        problems = [
            _describe(item, PolicyConfig, _origin(item["loc"], document, label, name))
            for item in error.errors(include_url=False)
        ]
        raise ConfigError(*problems) from None


def load_app_config(path: Path | None) -> AppConfig:
    """The ``[app]`` section of the file (database, counters, tenant); defaults without a file."""
    if path is None:
        return AppConfig()
    document = _read_document(path)
    label = _label(path)
    section = document.get(_APP_SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(
            f"{label}: {_APP_SECTION} = {_short(section)}: deve ser uma seção [app] / "
            "must be an [app] table"
        )
    return _validate_app(section, label)


def _validate_app(section: Mapping[str, Any], label: str) -> AppConfig:
    try:
        return AppConfig.model_validate(section)
    except ValidationError as error:
        problems = [
            _describe({**item, "loc": (_APP_SECTION, *item["loc"])}, _AppDocument, label)
            for item in error.errors(include_url=False)
            # an unset counters_url (coordination_url) copies database_url: report the bad URL
            # once, where it was set
            if item["loc"][:1] not in (("counters_url",), ("coordination_url",))
            or item["loc"][0] in section
        ]
        raise ConfigError(*problems) from None


class _AppDocument(BaseModel):
    """Only to describe ``[app]`` errors with the same code as the policy sections."""

    app: AppConfig


def read_sections(path: Path, names: Iterable[str]) -> dict[str, Any]:
    """The named top-level sections of the file (absent ones left out), read and checked as TOML."""
    document = _read_document(path)
    return {name: document[name] for name in names if name in document}


def _read_document(path: Path) -> dict[str, Any]:
    label = _label(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{label}: arquivo não encontrado / file not found") from None
    except OSError as error:
        raise ConfigError(
            f"{label}: não foi possível ler / cannot read: {error.strerror or error}"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: o arquivo não está em UTF-8 / the file is not UTF-8") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, column, reason = _toml_position(str(error), text)
        raise ConfigError(
            f"{label}: linha {line}, coluna {column}: TOML inválido / "
            f"line {line}, column {column}: invalid TOML: {reason}"
        ) from None
    valid = sorted([*PolicyConfig.model_fields, _APP_SECTION, *_SERVICE_SECTIONS])
    unknown = [key for key in document if key not in valid]
    if unknown:
        raise ConfigError(*(_unknown_key(label, key, key, valid, None) for key in unknown))
    return document


def _read_preset(name: str) -> dict[str, Any]:
    text = (PRESETS_FOLDER / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def _choose_preset(document: Mapping[str, Any], explicit: str | None, label: str) -> str:
    available = available_presets()
    listing = ", ".join(available)
    if explicit is not None:
        if explicit not in available:
            raise ConfigError(
                f"preset {json.dumps(explicit)} desconhecido; disponíveis: {listing} / "
                f"unknown preset {json.dumps(explicit)}; available: {listing}"
            )
        return explicit
    chosen = document.get(_PRESET_KEY, DEFAULT_PRESET)
    if not isinstance(chosen, str) or chosen not in available:
        raise ConfigError(
            f"{label}: preset = {_short(chosen)}: preset desconhecido; disponíveis: {listing} / "
            f"unknown preset; available: {listing}"
        )
    return chosen


def _toml_position(message: str, text: str) -> tuple[int, int, str]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        return int(match.group(1)), int(match.group(2)), message[: match.start()]
    lines = text.splitlines() or [""]
    reason = re.sub(r"\s*\(at end of document\)$", "", message)
    return len(lines), len(lines[-1]) + 1, reason


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def _without(document: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in keys}


def _label(path: Path) -> str:
    return str(path)


def _origin(
    loc: tuple[int | str, ...], document: Mapping[str, Any], label: str, preset: str
) -> str:
    """Where a bad value came from: the file when it sets that key, else the preset."""
    node: Any = document
    for part in loc[:2]:
        if not isinstance(node, Mapping) or part not in node:
            return f"preset {preset}"
        node = node[part]
    return label


# --- describing errors --------------------------------------------------------------------------


def _describe(item: Mapping[str, Any], model: type[BaseModel], label: str) -> str:
    loc: tuple[int | str, ...] = tuple(item["loc"])
    key = _dotted(loc)
    kind: str = item["type"]
    value = item.get("input")
    context: Mapping[str, Any] = item.get("ctx") or {}
    field = _field_at(model, loc)

    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        valid = sorted(parent.model_fields) if parent is not None else []
        section = _dotted(loc[:-1]) or None
        return _unknown_key(label, key, str(loc[-1]), valid, section)
    if kind == "missing":
        return f"{label}: {key}: obrigatório / required"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{label}: {key} = {_short(value)}: deve ser uma seção [{key}] / must be a [{key}] table"
    if kind == "value_error":
        reason = str(context.get("error", item.get("msg", "")))
        return (
            f"{label}: [{key}]: valores inconsistentes: {_reason_pt(reason)} / "
            f"inconsistent values: {reason}"
        )

    limits = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in limits:
        operator, name = limits[kind]
        bound = context.get(name)
        pt, en = f"deve ser {operator} {_num(bound)[0]}", f"must be {operator} {_num(bound)[1]}"
    else:
        pt, en = _KIND_TEXT.get(kind, ("valor inválido", "invalid value"))
        if kind not in _KIND_TEXT:
            en = f"{en}: {item.get('msg', kind)}"
        elif kind == "string_pattern_mismatch" and key.endswith("_url"):
            pt, en = (
                "deve ser uma URL, ex.: sqlite:///zapguard.db, postgresql+psycopg://host/banco",
                "must be a URL, e.g. sqlite:///zapguard.db, postgresql+psycopg://host/db",
            )
    span = setting_span(field) if field is not None else None
    if span is not None:
        pt, en = f"{pt} ({span[0]})", f"{en} ({span[1]})"
    return f"{label}: {key} = {_short(value)}: {pt} / {en}"


_KIND_TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "int_type": ("deve ser um número inteiro", "must be a whole number"),
    "int_parsing": ("deve ser um número inteiro", "must be a whole number"),
    "int_from_float": ("deve ser um número inteiro", "must be a whole number"),
    "float_type": ("deve ser um número", "must be a number"),
    "float_parsing": ("deve ser um número", "must be a number"),
    "finite_number": ("deve ser um número finito", "must be a finite number"),
    "string_type": ("deve ser um texto entre aspas", "must be a quoted string"),
    "string_pattern_mismatch": ("formato inválido", "invalid format"),
    "string_too_short": ("não pode ser vazio", "must not be empty"),
    "string_too_long": ("texto longo demais", "text too long"),
    "list_type": ('deve ser uma lista, ex.: ["a", "b"]', 'must be a list, e.g. ["a", "b"]'),
    "bool_type": ("deve ser true ou false", "must be true or false"),
}


def _unknown_key(label: str, key: str, name: str, valid: list[str], section: str | None) -> str:
    kind_pt, kind_en = ("chave", "key") if section else ("seção", "section")
    guess = difflib.get_close_matches(name, valid, n=1)
    hint = f" (quis dizer / did you mean {guess[0]}?)" if guess else ""
    where_pt = f" em [{section}]" if section else ""
    where_en = f" in [{section}]" if section else ""
    return (
        f"{label}: {key}: {kind_pt} desconhecida / unknown {kind_en}{hint}; "
        f"válidas{where_pt} / valid{where_en}: {', '.join(valid)}"
    )


def _reason_pt(reason: str) -> str:
    """The cross-field checks of policy.config speak English; translate the known words."""
    for english, portuguese in (
        (" must be ", " deve ser "),
        ("unknown day(s)", "dia(s) desconhecido(s)"),
        ("allowed", "permitidos"),
    ):
        reason = reason.replace(english, portuguese)
    return reason


def _dotted(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    current: type[BaseModel] = model
    for part in loc:
        if not isinstance(part, str) or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        current = annotation
    return current


def _field_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    if len(loc) < 2:
        return None
    parent = _model_at(model, loc[:-1])
    name = loc[-1]
    if parent is None or not isinstance(name, str):
        return None
    return parent.model_fields.get(name)


def _short(value: object, limit: int = 60) -> str:
    try:
        text = _toml(value)
    except TypeError:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- settings: what each rule reads, formatted for people ---------------------------------------


def setting_field(key: str) -> FieldInfo:
    """The pydantic field behind a dotted policy key such as ``volume.daily_cap``."""
    section, _, name = key.partition(".")
    model = _model_at(PolicyConfig, (section,))
    if model is None or name not in model.model_fields:
        raise KeyError(key)
    return model.model_fields[name]


def setting_source(key: str) -> str:
    """Where the default of ``key`` comes from (the ``source`` of its field)."""
    extra = setting_field(key).json_schema_extra
    source = extra.get("source") if isinstance(extra, dict) else None
    return str(source) if source is not None else ""


def setting_range(key: str) -> tuple[str, str] | None:
    """The allowed range of ``key`` as (pt, en) text, or ``None`` when the field has no bounds."""
    return setting_span(setting_field(key))


def setting_span(field: FieldInfo) -> tuple[str, str] | None:
    lower: tuple[str, object] | None = None
    upper: tuple[str, object] | None = None
    for item in field.metadata:
        if isinstance(item, Ge):
            lower = ("<=", item.ge)
        elif isinstance(item, Gt):
            lower = ("<", item.gt)
        elif isinstance(item, Le):
            upper = ("<=", item.le)
        elif isinstance(item, Lt):
            upper = ("<", item.lt)
    if lower is None and upper is None:
        return None
    texts = []
    for word in ("valor", "value"):
        pt = word == "valor"
        parts = []
        if lower is not None:
            parts.append(f"{_num(lower[1])[0 if pt else 1]} {lower[0]}")
        parts.append(word)
        if upper is not None:
            parts.append(f"{upper[0]} {_num(upper[1])[0 if pt else 1]}")
        texts.append(" ".join(parts))
    return texts[0], texts[1]


def rule_settings(config: PolicyConfig, code: str) -> dict[str, Any]:
    """The current values of the settings rule ``code`` reads, by dotted key, in catalogue order."""
    if code not in CATALOGUE:
        raise KeyError(code)
    values: dict[str, Any] = {}
    for key in RULE_SETTINGS.get(code, ()):
        section, _, name = key.partition(".")
        values[key] = getattr(getattr(config, section), name)
    return values


def format_setting(key: str, value: object) -> tuple[str, str]:
    """``value`` of ``key`` for people: (pt-BR, en), e.g. ``("6.000", "6,000")``, with units."""
    name = key.rpartition(".")[2]
    if value is None:
        return "desligado", "off"
    if name in ("quiet_start", "quiet_end") and isinstance(value, int):
        return f"{value:02d}:00", f"{value:02d}:00"
    if name == "campaign_days" and isinstance(value, list):
        days = [str(day) for day in value]
        return ", ".join(_WEEKDAYS_PT.get(day, day) for day in days), ", ".join(days)
    if isinstance(value, list):
        if not value:
            return "nenhum", "none"
        text = ", ".join(str(item) for item in value)
        return text, text
    if isinstance(value, dict):
        text = "; ".join(
            f"{lang}: {', '.join(str(word) for word in words)}" for lang, words in value.items()
        )
        return text, text
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value), str(value)
    pt, en = _num(value)
    if name == "growth":
        return f"×{pt}", f"×{en}"
    for suffix, unit_pt, unit_en in (
        ("_seconds", "s", "s"),
        ("_minutes", "min", "min"),
        ("_hours", "h", "h"),
        ("_per_hour", "/h", "/h"),
        ("_days", "dias", "days"),
    ):
        if name.endswith(suffix):
            space = "" if unit_pt.startswith("/") else " "
            return f"{pt}{space}{unit_pt}", f"{en}{space}{unit_en}"
    return pt, en


def _num(value: object) -> tuple[str, str]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value), str(value)
    if float(value) == round(float(value), 1):
        return num_pt(value), num_en(value)
    en = f"{value:,.6f}".rstrip("0").rstrip(".")
    return en.replace(",", "_").replace(".", ",").replace("_", "."), en


# --- writing the commented default file ---------------------------------------------------------


def render_default_config(preset: str | None = None, database_url: str | None = None) -> str:
    """The text of a commented ``zapguard.toml``: every section and key, its value and source.

    Policy keys are commented out, showing the preset's value, so the file follows the preset until a
    line is uncommented; ``[app]`` keys are set. Generated from the models: it never drifts.
    """
    name = preset or DEFAULT_PRESET
    config = load_policy_config(None, name)
    defaults = PolicyConfig()
    app = _validate_app({"database_url": database_url} if database_url else {}, "--db")
    settings_by_key: dict[str, list[str]] = {}
    for code, keys in RULE_SETTINGS.items():
        for key in keys:
            settings_by_key.setdefault(key, []).append(code)

    out: list[str] = [
        "# zapguard.toml: configuração do zapguard / zapguard configuration",
        "#",
        f'# Os valores comentados abaixo são os do preset "{name}", com a fonte de cada um.',
        "# Descomente uma linha para mudá-la; o que não estiver definido vem do preset.",
        f'# The commented values below are those of the "{name}" preset, with the source of each.',
        "# Uncomment a line to change it; whatever is not set comes from the preset.",
        "#",
        f"# Presets: {', '.join(available_presets())}",
        "",
        f"{_PRESET_KEY} = {_toml(name)}",
        "",
        f"[{_APP_SECTION}]",
    ]
    for field_name, field in AppConfig.model_fields.items():
        value = getattr(app, field_name)
        out.append(f"# {field.description}")
        if field_name in ("counters_url", "coordination_url") and value == app.database_url:
            out.append(f'# {field_name} = "redis://127.0.0.1:6379/0"')
        else:
            out.append(f"{field_name} = {_toml(value)}")
    for section, section_field in PolicyConfig.model_fields.items():
        model = section_field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        title_pt, title_en = _SECTION_TITLES.get(section, (section, section))
        codes = sorted(
            {
                code
                for key, cs in settings_by_key.items()
                for code in cs
                if key.startswith(f"{section}.")
            }
        )
        suffix = f": {', '.join(codes)}" if codes else ""
        out += ["", f"# --- {title_pt} / {title_en}{suffix} ---", f"[{section}]"]
        values = getattr(config, section)
        for field_name, field in model.model_fields.items():
            key = f"{section}.{field_name}"
            used_by = ", ".join(settings_by_key.get(key, []))
            out.append(
                f"# {used_by + ' · ' if used_by else ''}fonte / source: {setting_source(key)}"
            )
            span = setting_span(field)
            if span is not None:
                out.append(f"# faixa / range: {span[0]} / {span[1]}")
            value = getattr(values, field_name)
            default = getattr(getattr(defaults, section), field_name)
            note = "" if value == default else f"  # padrão / default: {_toml(default)}"
            if value is None:
                out.append(f"# {field_name} = (desligado / off)")
            else:
                out.append(f"# {field_name} = {_toml(value)}{note}")
    out += _service_sections()
    return "\n".join(out) + "\n"


_SERVICE_TITLES: Final[Mapping[str, tuple[str, str]]] = {
    "server": ("Servidor HTTP", "HTTP server"),
    "dispatch": ("Despacho da fila", "Outbox dispatch"),
    "retention": ("Retenção de dados de trabalho", "Working data retention"),
}
_PROVIDER_EXAMPLE: Final[Mapping[str, str]] = {
    "kind": "cloud",
    "base_url": "https://graph.facebook.com",
    "token": "env:ZAPGUARD_META_TOKEN",
    "app_secret": "env:ZAPGUARD_META_APP_SECRET",
    "verify_token": "env:ZAPGUARD_META_VERIFY_TOKEN",
}
"""The commented ``[providers.meta]`` example: a Cloud API connection, secrets from the
environment (keys of the models without an example are shown as optional)."""


def _service_sections() -> list[str]:
    """``[server]``, ``[dispatch]``, ``[retention]`` with every key commented at its default, and
    ``[providers]`` with a commented example connection; generated from the models."""
    from zapguard.service_config import ProviderSettings, ServiceConfig

    defaults = ServiceConfig()
    out = [
        "",
        "# === Serviço: não é política, os presets não mudam / Service: not policy, presets never "
        "touch it ===",
    ]
    for section, (title_pt, title_en) in _SERVICE_TITLES.items():
        model = type(getattr(defaults, section))
        out += ["", f"# --- {title_pt} / {title_en} ---", f"[{section}]"]
        for name, field in model.model_fields.items():
            out.append(f"# {field.description}")
            span = setting_span(field)
            if span is not None:
                out.append(f"# faixa / range: {span[0]} / {span[1]}")
            value = getattr(getattr(defaults, section), name)
            shown = "(não definido / unset)" if value is None else _toml(value)
            out.append(f"# {name} = {shown}")
    out += [
        "",
        "# --- Provedores de WhatsApp / WhatsApp providers ---",
        "# Uma seção [providers.NOME] por conexão; cada linha diz a sua (provider = NOME).",
        '# Segredos escritos "env:NOME" são lidos da variável de ambiente NOME.',
        "# One [providers.NAME] section per connection; each line names its own (provider = NAME).",
        '# Secrets written "env:NAME" are read from the environment variable NAME.',
        "[providers]",
        "# Exemplo (descomente para usar) / example (uncomment to use):",
        "# [providers.meta]",
    ]
    for name, field in ProviderSettings.model_fields.items():
        if field.description:
            out.append(f"# {field.description}")
        if name in _PROVIDER_EXAMPLE:
            out.append(f"# {name} = {_toml(_PROVIDER_EXAMPLE[name])}")
        elif field.default is not None and not field.is_required():
            out.append(f"# {name} = {_toml(field.default)}")
        else:
            out.append(f"# {name} = (opcional / optional)")
    return out


def write_default_config(
    path: Path,
    *,
    preset: str | None = None,
    database_url: str | None = None,
    overwrite: bool = False,
) -> None:
    """Write :func:`render_default_config` to ``path``; refuses to replace a file unless ``overwrite``."""
    write_config_text(path, render_default_config(preset, database_url), overwrite=overwrite)


def write_config_text(path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write ``text`` to ``path``; refuses to replace a file unless ``overwrite``."""
    try:
        with path.open("w" if overwrite else "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ConfigError(
            f"{_label(path)}: já existe; use --force para substituir / "
            "already exists; use --force to replace it"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"{_label(path)}: não foi possível escrever / cannot write: {error.strerror or error}"
        ) from None


def _toml(value: object) -> str:
    """A TOML literal for the value types the models use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{_toml_key(str(k))} = {_toml(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)
