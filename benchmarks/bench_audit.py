"""``zapguard audit`` on a generated Android pt-BR export, beside DuckDB reading the same file.

The export (``--messages``, default 1,000,000 authored messages) is one conversation between a
customer and a business, about a minute apart, with multi-line messages, media, deleted messages,
links (some ``http://``) and the encryption notice, written once to a temporary folder. In the same
run, timed one after the other (zapguard's parse first, so its growth of the peak RSS is its own):

- **parse**: zapguard's first pass, :func:`zapguard.audit.run.count_pass` (format sniffing, every
  message parsed with its author and kind, links found, messages counted per author and day);
- **duckdb**: DuckDB reading the same file as lines (``read_csv`` with one column), keeping the lines
  that start a message (a regular expression) and grouping them by day;
- **audit**: the whole audit as the command runs it (both passes and the policy replay on a throwaway
  SQLite store), without writing the reports. With ``--audit-messages N`` the audit runs on the
  first N messages' export only (the replay is the slow part) and its time is scaled to the full
  size, as the JSON says.

Targets (issue 10): parse within 3x DuckDB's time, the whole audit within 10x.

    .venv/bin/python benchmarks/bench_audit.py --json              # --messages N, --audit-messages N

The last line printed is one JSON object with every figure and the ratios ``parse_vs_duckdb`` and
``audit_vs_duckdb``. How much the process's peak RSS grew during the parse is reported beside
(``parse_rss_growth_mb``: the file is streamed, not held).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PARSE_TARGET = 3.0
AUDIT_TARGET = 10.0

_NOTICE = (
    "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta e ficam "
    "somente entre você e os participantes desta conversa. Nem mesmo o WhatsApp pode ler ou "
    "ouvi-las. Toque para saber mais."
)
_CUSTOMER = [
    "Oi, tudo bem?",
    "Quero saber do meu pedido",
    "Qual o prazo de entrega para o CEP 01310-100?",
    "Obrigada!",
    "Pode me mandar o boleto de novo?\nO outro venceu ontem",
    "<Mídia oculta>",
    "Mensagem apagada",
]
_BUSINESS = [
    "Olá! Seu pedido saiu para entrega: https://loja.com.br/rastreio/123",
    "Posso ajudar em algo mais?",
    "O prazo é de 3 dias úteis.",
    "Segue o boleto atualizado:\nhttps://loja.com.br/boleto/456\nVence sexta-feira.",
    "Veja as ofertas em http://loja.com.br/ofertas",
    "<Mídia oculta>",
    "Você apagou esta mensagem",
]


def lines_of_export(messages: int, seed: int = 10) -> Iterator[str]:
    """An Android pt-BR export of ``messages`` authored messages (plus the notice)."""
    rng = random.Random(seed)
    at = datetime(2024, 1, 2, 8, 0)
    yield f"{at:%d/%m/%Y %H:%M} - {_NOTICE}\n"
    written = 0
    while written < messages:
        at += timedelta(seconds=rng.randint(20, 100))
        yield f"{at:%d/%m/%Y %H:%M} - Cliente Ana: {rng.choice(_CUSTOMER)}\n"
        written += 1
        for _ in range(rng.choice((1, 1, 1, 2))):
            if written == messages:
                break
            at += timedelta(seconds=rng.randint(10, 60))
            yield f"{at:%d/%m/%Y %H:%M} - Loja Exemplo: {rng.choice(_BUSINESS)}\n"
            written += 1


def write_export(path: Path, messages: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(lines_of_export(messages))


def time_parse(path: Path) -> tuple[float, dict[str, int], int]:
    """Seconds, messages per day, and how much the process's peak RSS grew (bytes) while parsing."""
    from zapguard.audit.run import count_pass

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    stats = count_pass(path)
    elapsed = time.perf_counter() - started
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    per_day: dict[str, int] = {}
    for (_, day), count in stats.per_day.items():
        per_day[day.isoformat()] = per_day.get(day.isoformat(), 0) + count
    return elapsed, per_day, peak


def time_duckdb(path: Path) -> tuple[float, dict[str, int]]:
    import duckdb

    started = time.perf_counter()
    connection = duckdb.connect()
    rows = connection.execute(
        """
        SELECT regexp_extract(line, '^(\\d{2})/(\\d{2})/(\\d{4}) ', ['d', 'm', 'y']) AS day,
               count(*) AS n
        FROM read_csv(?, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f',
                      quote = '', escape = '', auto_detect = false)
        WHERE regexp_matches(line, '^\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2} - [^:]+: ')
        GROUP BY day
        """,
        [str(path)],
    ).fetchall()
    elapsed = time.perf_counter() - started
    connection.close()
    per_day = {f"{d['y']}-{d['m']}-{d['d']}": int(n) for d, n in rows}
    return elapsed, per_day


def time_audit(path: Path) -> tuple[float, dict[str, Any]]:
    from zapguard.audit.run import audit
    from zapguard.cli._runtime import open_runtime
    from zapguard.domain.models import Author

    started = time.perf_counter()
    result = audit(
        [path],
        services=lambda: open_runtime(None, None, None, temporary=True),
        zone=ZoneInfo("America/Sao_Paulo"),
        author=Author.BOT,
    )
    elapsed = time.perf_counter() - started
    return elapsed, {
        "risk": result.risk,
        "business_messages": result.business_messages,
        "findings": {f.code: f.count for f in result.ranked()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--audit-messages",
        type=int,
        default=None,
        help="run the whole audit on an export of this many messages and scale its time",
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    with tempfile.TemporaryDirectory(prefix="zg-bench-audit-") as scratch:
        os.chdir(scratch)  # no zapguard.toml around: the seed preset, as a fresh install has
        path = Path(scratch) / "Conversa do WhatsApp com Cliente Ana.txt"
        write_export(path, args.messages)
        size = path.stat().st_size
        say(f"export: {args.messages:,} messages, {size / 1e6:.1f} MB")
        parse, parse_days, peak = time_parse(path)
        say(f"zapguard parse + count per day: {parse:.2f} s (peak RSS +{peak / 1e6:.1f} MB)")
        duck, duck_days = time_duckdb(path)
        say(f"duckdb read + group by day: {duck:.2f} s")
        if parse_days != duck_days:
            raise SystemExit("the per-day counts of zapguard and DuckDB differ")
        audited = args.audit_messages or args.messages
        audit_path = path
        if audited != args.messages:
            audit_path = Path(scratch) / "Conversa do WhatsApp com Cliente Bia.txt"
            write_export(audit_path, audited)
        whole, summary = time_audit(audit_path)
        scaled = whole * args.messages / audited
        say(f"whole audit of {audited:,} messages: {whole:.2f} s (scaled: {scaled:.2f} s)")
    figures = {
        "messages": args.messages,
        "bytes": size,
        "duckdb_s": round(duck, 3),
        "parse_s": round(parse, 3),
        "parse_rss_growth_mb": round(peak / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "audit_messages": audited,
        "audit_s": round(whole, 3),
        "audit_scaled_s": round(scaled, 3),
        "audit": summary,
        "parse_vs_duckdb": round(parse / duck, 2),
        "audit_vs_duckdb": round(scaled / duck, 2),
        "parse_target": PARSE_TARGET,
        "audit_target": AUDIT_TARGET,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(figures), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
