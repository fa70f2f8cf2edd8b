"""Command-line start-up: ``zapguard --help``, ``explain`` and ``rules`` next to the cost of merely
importing the libraries a command line is made of (``python -c 'import typer, rich'``).

Each command runs as its own process, as a person runs it: the ``zapguard`` console script of this
interpreter's environment, in an empty folder (no ``zapguard.toml``), without ``ZAPGUARD_*``
variables. Every round runs each command once, in a shuffled order, so drift on a shared machine
spreads over all of them; one warm-up round (not counted) fills the file cache first. The figure is
the median wall time of the rounds; the spread is shown as min, quartiles and max. Target: each of
the three within 2x the baseline. Three rows are for information: a bare Typer app running a
command with ``explain``'s parameters and one running a command with no parameter at all (what any
command costs before zapguard's own code runs: this typer converts every parameter, its own
``--help`` flag included, through a pydantic ``TypeAdapter``, so running any command imports
pydantic), and ``replay`` of the shipped example log.

    .venv/bin/python benchmarks/bench_cli_startup.py            # about 30 s; --rounds N, --json
    PYTHONPATH=../other/src .venv/bin/python benchmarks/bench_cli_startup.py --module  # another tree

The last line printed is one JSON object with every figure and ratio (only that with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = 2.0
"""Each command within this many times the baseline (issue 7, item 22)."""


def _zapguard(as_module: bool) -> list[str]:
    script = Path(sys.executable).with_name("zapguard")
    if as_module or not script.exists():
        return [sys.executable, "-m", "zapguard"]
    return [str(script)]


FLOOR_APP = """
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None)


@app.command()
def explain(
    code: str,
    config: Annotated[Path | None, typer.Option("--config")] = None,
    preset: Annotated[str | None, typer.Option("--preset")] = None,
) -> None:
    print(code)


@app.command()
def rules() -> None:
    print("-")


app()
"""
"""A Typer app with ``explain``'s parameters and nothing of zapguard: what running any command
costs before zapguard does anything (typer builds a pydantic adapter for every parameter)."""


def commands(folder: Path, as_module: bool) -> dict[str, tuple[list[str], bool]]:
    """name → (argv, counts toward the target)."""
    zapguard = _zapguard(as_module)
    floor = folder / "typer_floor.py"
    floor.write_text(FLOOR_APP, encoding="utf-8")
    return {
        "baseline: python -c 'import typer, rich'": (
            [sys.executable, "-c", "import typer, rich"],
            False,
        ),
        "[info] bare Typer app running 'explain ZG501'": (
            [sys.executable, str(floor), "explain", "ZG501"],
            False,
        ),
        "[info] bare Typer app running 'rules' (no parameter)": (
            [sys.executable, str(floor), "rules"],
            False,
        ),
        "zapguard --help": ([*zapguard, "--help"], True),
        "zapguard explain ZG501": ([*zapguard, "explain", "ZG501"], True),
        "zapguard rules": ([*zapguard, "rules"], True),
        "[info] zapguard replay examples/demo.jsonl": (
            [
                *zapguard,
                "replay",
                str(ROOT / "examples" / "demo.jsonl"),
                "--config",
                str(ROOT / "examples" / "zapguard.toml"),
            ],
            False,
        ),
    }


def run_once(argv: list[str], folder: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def spread(samples: list[float]) -> dict[str, float]:
    quartiles = statistics.quantiles(samples, n=4)
    return {
        "median_ms": round(1000 * statistics.median(samples), 1),
        "min_ms": round(1000 * min(samples), 1),
        "p25_ms": round(1000 * quartiles[0], 1),
        "p75_ms": round(1000 * quartiles[2], 1),
        "max_ms": round(1000 * max(samples), 1),
    }


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="counted rounds (default 15)")
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--seed", type=int, default=7, help="seed of the shuffled order")
    parser.add_argument(
        "--module",
        action="store_true",
        help="run 'python -m zapguard' instead of the console script (PYTHONPATH then picks the "
        "tree: a before/after comparison)",
    )
    args = parser.parse_args()
    if args.rounds < 4:
        parser.error("--rounds must be at least 4 (quartiles)")

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPGUARD_")}
    if args.module and "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = str(Path(os.environ["PYTHONPATH"]).resolve())
    env["COLUMNS"] = "120"
    order = random.Random(args.seed)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="zg-cli-bench-") as scratch:
        folder = Path(scratch)
        table = commands(folder, args.module)
        samples: dict[str, list[float]] = {name: [] for name in table}
        for round_number in range(args.rounds + 1):
            names = list(table)
            order.shuffle(names)
            for name in names:
                elapsed = run_once(table[name][0], folder, env)
                if round_number > 0:  # round 0 warms the file cache
                    samples[name].append(elapsed)
    load_after = os.getloadavg()[0]

    baseline_name = next(iter(table))
    baseline = statistics.median(samples[baseline_name])
    figures: dict[str, Any] = {}
    for name, (argv, counted) in table.items():
        row: dict[str, Any] = {"argv": argv[1:]}
        row.update(spread(samples[name]))
        row["ratio"] = round(statistics.median(samples[name]) / baseline, 2)
        if counted:
            row["within_target"] = row["ratio"] <= TARGET
        figures[name] = row
    document = {
        "benchmark": "cli_startup",
        "rounds": args.rounds,
        "target_ratio": TARGET,
        "baseline_median_ms": round(1000 * baseline, 1),
        "commands": figures,
        "all_within_target": all(
            row["within_target"] for row in figures.values() if "within_target" in row
        ),
        "zapguard": " ".join(_zapguard(args.module)),
        "machine": machine(),
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
    }
    if not args.json:
        print(f"{'command':<56}{'median':>9}{'min':>8}{'p25':>8}{'p75':>8}{'max':>8}{'ratio':>8}")
        for name, row in figures.items():
            verdict = ""
            if "within_target" in row:
                verdict = "  ok" if row["within_target"] else f"  over {TARGET:g}x"
            print(
                f"{name:<56}{row['median_ms']:>9.1f}{row['min_ms']:>8.1f}{row['p25_ms']:>8.1f}"
                f"{row['p75_ms']:>8.1f}{row['max_ms']:>8.1f}{row['ratio']:>7.2f}x{verdict}"
            )
        print(f"(ms, {args.rounds} rounds; load average {load_before:.2f} → {load_after:.2f})")
    print(json.dumps(document, ensure_ascii=False))


if __name__ == "__main__":
    main()
