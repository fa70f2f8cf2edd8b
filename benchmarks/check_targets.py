"""Hold the code to issue 8's performance targets: exit 1 when any target fails.

    .venv/bin/python benchmarks/check_targets.py                      # runs both benchmarks
    .venv/bin/python benchmarks/check_targets.py gateway.out decisions.out   # reads saved output
    .venv/bin/python benchmarks/check_targets.py --gateway-args "--workers 2" \\
        --decisions-args "--postgres-url postgresql://127.0.0.1/zg_bench"

Without files, runs ``bench_gateway.py --json --rss-messages`` (the RSS target needs the long run:
100,000 messages, about 30 minutes at today's ~70 msg/s) and ``bench_decisions.py --json``, one
after the other; ``--gateway-args`` / ``--decisions-args`` replace their options (``--json`` is
always passed). With
files, reads each one's JSON object (the last line of the output that is one, so a whole saved
output or the JSON alone both do). Prints every target with its value and verdict.

Exit status: 0 when every target passes; 1 when one fails, or was not measured (a server that
was not there, ``--rss-messages`` not given) unless ``--allow-missing``; 2 when a benchmark could
not run or its output holds no JSON. Not part of CI: the figures depend on the machine, and the
targets are for people and for the engineers changing the hot path.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bench_gateway.py", "bench_decisions.py")


def last_json(text: str) -> dict[str, Any] | None:
    """The last line of ``text`` that is a JSON object."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                found = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(found, dict):
                return found
    return None


def verdicts(result: dict[str, Any], allow_missing: bool) -> list[tuple[str, str, bool]]:
    """``(name, line to print, failed)`` for each target of one benchmark's result."""
    found = []
    for name, target in sorted(result.get("targets", {}).items()):
        value, passed = target.get("value"), target.get("pass")
        shown = "—" if value is None else f"{value:.3f}"
        limit = target.get("limit")
        goal = f"{target['op']} {'?' if limit is None else f'{limit:.3g}'}"
        if passed is None:
            verdict, failed = "NOT MEASURED", not allow_missing
        else:
            verdict, failed = ("PASS", False) if passed else ("FAIL", True)
        found.append((name, f"{name:<38}{shown:>10}  {goal:<10} {verdict}", failed))
    return found


def notices(result: dict[str, Any]) -> list[str]:
    """What makes a result weaker evidence than it looks."""
    said = []
    if result.get("quick"):
        said.append("a --quick run: smaller states and shorter timings than the targets assume")
    figures = result.get("figures", {})
    if figures.get("client_not_bottleneck") is False:
        said.append(
            "the direct row may not have saturated the simulator (see its saturation line): "
            "the ratio is not trustworthy"
        )
    return said


def run(script: str, extra: str) -> str:
    command = [sys.executable, str(HERE / script), "--json", *shlex.split(extra)]
    print(f"# running {shlex.join(command)}", file=sys.stderr, flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(2)
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outputs", nargs="*", type=Path, help="saved outputs to read instead")
    parser.add_argument(
        "--gateway-args", default="--rss-messages", help="options for bench_gateway.py"
    )
    parser.add_argument("--decisions-args", default="", help="options for bench_decisions.py")
    parser.add_argument(
        "--allow-missing", action="store_true", help="a target not measured is not a failure"
    )
    args = parser.parse_args(argv)

    if args.outputs:
        texts = {str(path): path.read_text(encoding="utf-8") for path in args.outputs}
    else:
        texts = {
            "bench_gateway.py": run("bench_gateway.py", args.gateway_args),
            "bench_decisions.py": run("bench_decisions.py", args.decisions_args),
        }

    failed: list[str] = []
    for source, text in texts.items():
        result = last_json(text)
        if result is None:
            print(f"{source}: no JSON object in the output", file=sys.stderr)
            return 2
        print(f"{result.get('benchmark', source)} ({result.get('when', 'undated')}):")
        for notice in notices(result):
            print(f"  note: {notice}")
        for name, line, bad in verdicts(result, args.allow_missing):
            print(f"  {line}")
            if bad:
                failed.append(name)
    if failed:
        print(f"targets not met: {', '.join(failed)}")
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
