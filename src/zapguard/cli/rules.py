"""``zapguard rules`` and ``zapguard explain``: the rule catalogue with the thresholds in force."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zapguard.cli._errors import UsageError, guarded
from zapguard.cli._options import ConfigOption, PresetOption, output_console, policy

if TYPE_CHECKING:
    from rich.text import Text

    from zapguard.policy.catalogue import Rule
    from zapguard.policy.config import PolicyConfig

JsonOption = Annotated[
    bool, typer.Option("--json", help="Saída em JSON. / Print JSON instead of a table.")
]


def register(app: typer.Typer) -> None:
    app.command(
        "rules",
        help=(
            "Lista as regras com os limites em vigor. / "
            "List the rules with the thresholds in force."
        ),
    )(rules)
    app.command(
        "explain",
        help=(
            "Explica uma regra: por quê, dica do seed, padrão e limites. / "
            "Explain a rule: why, seed tip, default and thresholds."
        ),
    )(explain)


@guarded
def rules(
    config: ConfigOption = None, preset: PresetOption = None, as_json: JsonOption = False
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from zapguard.config import rule_settings
    from zapguard.policy.catalogue import RULES

    thresholds = policy(config, preset)
    if as_json:
        document = {
            "preset": thresholds.preset,
            "rules": [_rule_json(r, thresholds) for r in RULES],
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"Regras do zapguard, preset {thresholds.preset} / zapguard rules",
        caption="Detalhes / details: zapguard explain CÓDIGO",
        box=box.SIMPLE_HEAD,
        show_lines=True,
        expand=True,
    )
    table.add_column("Código\nCode", no_wrap=True, style="bold")
    table.add_column("Regra\nRule", ratio=4)
    table.add_column("Dica\nTip", justify="right", no_wrap=True)
    table.add_column("Padrão\nDefault", ratio=3)
    table.add_column("Limites atuais\nCurrent thresholds", ratio=6, overflow="fold")
    for rule in RULES:
        settings = rule_settings(thresholds, rule.code)
        lines = [
            f"{key.partition('.')[2]} = {_both(key, value)}" for key, value in settings.items()
        ]
        table.add_row(
            rule.code,
            _two_lines(rule.title_pt, rule.title_en),
            str(rule.seed_tip) if rule.seed_tip is not None else "—",
            _two_lines(rule.default_pt, rule.default_en),
            "\n".join(lines) or Text("—", style="dim"),
        )
    output_console().print(table)


@guarded
def explain(
    code: Annotated[
        str, typer.Argument(help="Código da regra, ex.: ZG501. / Rule code, e.g. ZG501.")
    ],
    config: ConfigOption = None,
    preset: PresetOption = None,
) -> None:
    from rich.text import Text

    from zapguard.config import rule_settings, setting_range, setting_source
    from zapguard.policy.catalogue import CATALOGUE, SEED_TIPS

    rule = CATALOGUE.get(code.strip().upper())
    if rule is None:
        valid = ", ".join(CATALOGUE)
        raise UsageError(
            f"código desconhecido / unknown code {json.dumps(code)}; válidos / valid: {valid}"
        )
    thresholds = policy(config, preset)
    console = output_console()
    console.print(
        Text.assemble((rule.code, "bold"), " · ", (rule.title_pt, "bold"), " / ", rule.title_en)
    )
    console.print(
        f"família / family: {rule.family} · severidade / severity: {rule.severity.value} · "
        f"curável por outra linha / curable by another line: "
        f"{'sim / yes' if rule.curable else 'não / no'}",
        markup=False,
    )
    console.print(Text.assemble(("Por quê: ", "bold"), rule.why_pt))
    console.print(Text.assemble(("Why: ", "bold"), rule.why_en))
    if rule.seed_tip is not None:
        quote_pt, gloss_en = SEED_TIPS[rule.seed_tip]
        console.print(Text.assemble(("Dica do seed / seed tip: ", "bold"), str(rule.seed_tip)))
        console.print(Text(f"  «{quote_pt}»", style="italic"), soft_wrap=True)
        console.print(Text(f"  {gloss_en}", style="dim"), soft_wrap=True)
    if rule.source is not None:
        console.print(Text.assemble(("Fonte / source: ", "bold"), rule.source), soft_wrap=True)
    console.print(
        Text.assemble(("Padrão / default: ", "bold"), f"{rule.default_pt} / {rule.default_en}")
    )
    settings = rule_settings(thresholds, rule.code)
    heading = f"Limites atuais (preset {thresholds.preset}) / current thresholds:"
    console.print(Text(heading, style="bold"))
    if not settings:
        console.print("  nenhum limite configurável / no configurable threshold", markup=False)
    for key, value in settings.items():
        console.print(Text.assemble("  ", (key, "cyan"), f" = {_both(key, value)}"))
        console.print(f"    fonte / source: {setting_source(key)}", markup=False, style="dim")
        span = setting_range(key)
        if span is not None:
            console.print(f"    faixa / range: {span[0]} / {span[1]}", markup=False, style="dim")


def _both(key: str, value: object) -> str:
    from zapguard.config import format_setting

    pt, en = format_setting(key, value)
    return pt if pt == en else f"{pt} / {en}"


def _two_lines(pt: str, en: str) -> Text:
    from rich.text import Text

    return Text.assemble(pt, "\n", (en, "dim"))


def _rule_json(rule: Rule, thresholds: PolicyConfig) -> dict[str, Any]:
    from zapguard.config import format_setting, rule_settings, setting_source

    settings = []
    for key, value in rule_settings(thresholds, rule.code).items():
        pt, en = format_setting(key, value)
        settings.append(
            {"key": key, "value": value, "pt": pt, "en": en, "source": setting_source(key)}
        )
    return {
        "code": rule.code,
        "family": rule.family,
        "seed_tip": rule.seed_tip,
        "source": rule.source,
        "severity": rule.severity.value,
        "curable": rule.curable,
        "title": {"pt": rule.title_pt, "en": rule.title_en},
        "why": {"pt": rule.why_pt, "en": rule.why_en},
        "default": {"pt": rule.default_pt, "en": rule.default_en},
        "thresholds": settings,
    }
