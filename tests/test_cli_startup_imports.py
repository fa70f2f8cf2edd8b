"""The command line loads only what a command needs: ``zapguard --help``, ``explain`` and ``rules``
never import the web stack or the database layer (their start-up time is measured apart, in
``benchmarks/bench_cli_startup.py``; this checks the structure that makes it fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "httpx", "redis", "psycopg")
"""Top-level packages of the web stack, the HTTP client and the database layer."""

_DRIVER = """
import json, sys
from zapguard.cli import app
try:
    app(args=sys.argv[2:], prog_name="zapguard")
except SystemExit as done:
    code = done.code
else:
    code = 0
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _loaded(tmp_path: Path, *args: str) -> tuple[object, set[str]]:
    """Run ``zapguard ARGS`` in a fresh interpreter; its exit code and the modules it loaded."""
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPGUARD_")}
    subprocess.run(
        [sys.executable, "-c", _DRIVER, str(report), *args],
        cwd=tmp_path,  # no zapguard.toml here
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    found = json.loads(report.read_text(encoding="utf-8"))
    return found["code"], {name.partition(".")[0] for name in found["modules"]}


@pytest.mark.parametrize(
    "args",
    [["--help"], ["explain", "ZG501"], ["rules"], ["rules", "--json"], ["lines", "--help"]],
    ids=" ".join,
)
def test_help_explain_and_rules_load_neither_the_web_stack_nor_the_database(
    tmp_path: Path, args: list[str]
) -> None:
    code, packages = _loaded(tmp_path, *args)
    assert code in (0, None)
    assert sorted(packages.intersection(HEAVY)) == []


def test_the_check_is_able_to_see_a_heavy_import(tmp_path: Path) -> None:
    """The same probe on a command that opens the database does see it (the test can fail)."""
    code, packages = _loaded(tmp_path, "lines", "list")
    assert code in (0, None)
    assert "sqlalchemy" in packages
