"""``zapguard plan --per-day N``: how many receptive and campaign lines a daily volume needs under
the thresholds in force (caps, quiet hours, pacing, warm-up), with the arithmetic spelled out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from zapguard.cli._errors import guarded
from zapguard.cli._options import ConfigOption, PresetOption, output_console, policy, styled

if TYPE_CHECKING:
    from zapguard.campaigns.capacity import CapacityPlan


def register(app: typer.Typer) -> None:
    app.command(
        "plan",
        help=(
            "Quantas linhas receptivas e de campanha um volume diário precisa, e quando linhas "
            "novas chegam ao limite cheio. / How many receptive and campaign lines a daily volume "
            "needs, and when new lines reach their full cap."
        ),
    )(guarded(plan))


def plan(
    per_day: Annotated[
        int,
        typer.Option(
            "--per-day",
            help="Mensagens por dia, somando tudo. / Messages a day, all of them.",
        ),
    ],
    campaign_share: Annotated[
        float,
        typer.Option(
            "--campaign-share",
            help=(
                "Fração que é campanha (0 a 1; padrão 0,5). / Fraction that is campaigns "
                "(0 to 1; default 0.5)."
            ),
        ),
    ] = 0.5,
    as_json: Annotated[
        bool, typer.Option("--json", help="Um objeto JSON. / One JSON object.")
    ] = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
) -> None:
    from zapguard.campaigns.capacity import capacity_plan

    result = capacity_plan(
        per_day=per_day,
        campaign_share=campaign_share,
        config=policy(config, preset),
        now=datetime.now(UTC),
    )
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    _print(result)


def _print(result: CapacityPlan) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.policy.catalogue import num_en, num_pt

    table = Table(
        box=box.SIMPLE_HEAD,
        title=(
            f"Plano para {num_pt(result.per_day)} mensagens/dia (preset {result.preset}) / "
            f"Plan for {num_en(result.per_day)} messages/day"
        ),
    )
    for header in ("", "Volume/dia\nVolume/day", "Por linha\nPer line", "Linhas\nLines"):
        table.add_column(header)
    table.add_row(
        "Receptivas\nReceptive",
        num_pt(result.receptive_volume),
        num_pt(result.planned_per_line),
        str(result.receptive_lines),
    )
    table.add_row(
        "Campanha\nCampaign",
        num_pt(result.campaign_volume),
        num_pt(result.campaign_per_line),
        str(result.campaign_lines),
    )
    console = output_console()
    console.print(table)
    full = result.full_capacity_on
    if full is not None:
        console.print(
            styled(
                f"Linhas novas cadastradas hoje chegam ao limite cheio em {full:%d/%m/%Y}. / "
                f"New lines registered today reach their full cap on {full.isoformat()}.",
                style="bold",
            )
        )
    console.print(styled("Como foi calculado / How it was computed:", style="bold"))
    for reason in result.reasons:
        console.print(f"• {reason.pt}\n  {reason.en}", soft_wrap=True)
