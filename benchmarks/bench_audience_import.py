"""Importing a big audience: time and peak memory beside reading the same CSV and nothing else.

Issue 9's target for importing and planning a 1,000,000-contact campaign: under 4x the time of a
baseline that reads the same CSV with the csv module and normalizes nothing, and peak memory
under 300 MB. This measures the import part (read, normalize, dedupe, judge consent, store to
SQLite); the planning is not part of it.

The CSV is what a Brazilian business exports from Excel: Windows-1252, ``;``, CRLF, headers
``Telefone;Nome;Consentimento;Data do consentimento;Origem;Cidade``, phones in the forms people
type (``(11) 98765-4321``, ``+55 11 98765-4321``, ``5511987654321``, 8-digit mobiles from before
the 9th digit), about 1% repeated in another form, 0.5% invalid and 5% without consent.

Each side runs in its own process, so that its peak resident memory (``ru_maxrss``) is its own:
wall-clock and CPU time are both given (on a shared host the first also counts other work), and
the import process's peak includes the interpreter, SQLAlchemy and the rest of zapguard, loaded
before the clock starts, and the baseline's only the interpreter. ``--json`` prints one JSON
object as the last line::

    .venv/bin/python benchmarks/bench_audience_import.py [--rows 1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "Telefone;Nome;Consentimento;Data do consentimento;Origem;Cidade"
DDDS = ("11", "21", "31", "41", "47", "51", "61", "71", "81", "85", "92", "98")
NAMES = ("José", "Conceição", "Ana", "João", "Márcia", "Luís", "Bruna", "Antônio", "Sônia")
CITIES = ("São Paulo", "Niterói", "Belo Horizonte", "Curitiba", "Joinville", "Brasília", "Maceió")
SOURCES = ("site", "loja", "formulário", "balcão")


def write_csv(path: Path, rows: int, seed: int = 9) -> None:
    """``rows`` data rows as Excel exports them (see the module's docstring)."""
    pick = random.Random(seed)
    previous: list[str] = []
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(HEADER + "\r\n")
        for n in range(rows):
            ddd = pick.choice(DDDS)
            subscriber = f"9{pick.randrange(6000_0000, 9999_9999)}"
            roll = pick.random()
            if roll < 0.01 and previous:
                phone = pick.choice(previous)  # the same contact again, in its own form
                phone = "+55 " + phone[1:3] + " " + phone[5:] if phone.startswith("(") else phone
            elif roll < 0.015:
                phone = f"({ddd}) {pick.randrange(100, 999)}"  # cut short: invalid
            else:
                form = n % 4
                if form == 0:
                    phone = f"({ddd}) {subscriber[:5]}-{subscriber[5:]}"
                elif form == 1:
                    phone = f"+55 {ddd} {subscriber[:5]}-{subscriber[5:]}"
                elif form == 2:
                    phone = f"55{ddd}{subscriber}"
                else:
                    phone = f"{ddd} {subscriber[1:5]}-{subscriber[5:]}"  # before the 9th digit
                if len(previous) < 1000:
                    previous.append(phone)
                else:
                    previous[n % 1000] = phone
            consent = "não" if pick.random() < 0.05 else "sim"
            day = f"{pick.randrange(1, 29):02d}/{pick.randrange(1, 13):02d}/20{pick.randrange(20, 26)}"
            out.write(
                f"{phone};{pick.choice(NAMES)} {n};{consent};{day} 10:{n % 60:02d};"
                f"{pick.choice(SOURCES)};{pick.choice(CITIES)}\r\n"
            )


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_baseline(csv_path: Path) -> dict[str, float]:
    import csv

    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    with csv_path.open(encoding="cp1252", newline="") as source:
        reader = csv.reader(source, delimiter=";")
        next(reader)
        for _ in reader:
            count += 1
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "rows": count,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_import(csv_path: Path, database_url: str) -> dict[str, float]:
    from datetime import UTC, datetime

    from zapguard.campaigns.audiences.service import import_audience
    from zapguard.store import Store, upgrade

    upgrade(database_url)
    store = Store(database_url)
    store.tenants.ensure(tenant_id="bench")
    loaded_mb = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_audience(
        store, tenant_id="bench", name="lista", path=csv_path, at=datetime.now(UTC)
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    record = report.record
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rows": record.rows,
        "usable": record.usable,
        **{f"excluded_{reason}": count for reason, count in record.excluded.items()},
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_import_mb": loaded_mb,
    }


def _worker(kind: str, csv_path: Path, database_url: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", kind, "--csv", str(csv_path)]
    command += ["--db", database_url]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--worker", choices=("baseline", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "baseline":
        print(json.dumps(run_baseline(args.csv)))
        return
    if args.worker == "import":
        print(json.dumps(run_import(args.csv, args.db)))
        return
    with tempfile.TemporaryDirectory(prefix="zapguard-bench-audience-") as folder:
        csv_path = Path(folder) / "clientes.csv"
        write_csv(csv_path, args.rows)
        url = f"sqlite:///{Path(folder) / 'zapguard.db'}"
        baseline = _worker("baseline", csv_path, url)
        imported = _worker("import", csv_path, url)
        size_mb = csv_path.stat().st_size / 1e6
    result = {
        "rows": args.rows,
        "csv_mb": round(size_mb, 1),
        "baseline_seconds": round(baseline["seconds"], 2),
        "baseline_cpu_seconds": round(baseline["cpu_seconds"], 2),
        "baseline_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
        "import_seconds": round(imported["seconds"], 2),
        "import_cpu_seconds": round(imported["cpu_seconds"], 2),
        "import_rows_per_second": round(imported["rows"] / imported["seconds"]),
        "import_peak_rss_mb": round(imported["peak_rss_mb"], 1),
        "import_rss_before_mb": round(imported["rss_before_import_mb"], 1),
        "ratio": round(imported["seconds"] / baseline["seconds"], 1),
        # On a shared host the wall clock counts other people's work too; CPU time does not.
        "ratio_cpu": round(imported["cpu_seconds"] / baseline["cpu_seconds"], 1),
        "usable": imported["usable"],
        "excluded": {
            key.removeprefix("excluded_"): value
            for key, value in imported.items()
            if key.startswith("excluded_")
        },
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    if not args.json:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
