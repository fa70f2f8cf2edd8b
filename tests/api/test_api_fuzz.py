"""The OpenAPI document is a contract zapguard keeps: requests generated from the document itself
(schemathesis), with every check schemathesis has, find nothing.

The checks (all on; ``tests/api/schemathesis.toml`` only says what the document cannot): no 5xx;
every status, content type, header and body is the one documented; schema-violating requests are
refused and schema-valid ones accepted; a method the document does not list is a 405 with
``Allow``; a required header left out is refused; an operation that declares a key refuses a
request without one or with a wrong one; an object one tenant reads is never served to the other;
a resource created can be read back, and one deleted stays deleted.

Against :func:`~tenants_scene.two_tenants`: Cloud API, Evolution and WAHA lines on fakes over real
HTTP, and two tenants, whose admin keys are schemathesis's two identities (Web Fuzzing Commons
auth: tenant A first, tenant B its peer for the object-level check).

**The bound.** Every operation gets its documented examples and schemathesis's coverage cases (the
boundary and negative values of each parameter, each method the path does not take, each header
left out), plus :data:`FUZZED_EXAMPLES` generated ones, and the stateful phase its default number
of linked calls per scenario; generation is deterministic, so every run tries the same ~2,500
requests. That is about 20 seconds on two busy cores: fuzzing scales the time with the examples,
and this keeps the module a small share of the suite's ten minutes while the coverage phase still
tries every boundary. A longer, random run by hand (bounded only by time) is described in README,
Development.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tenants_scene import A, B, Tenants, two_tenants

CONFIG = Path(__file__).with_name("schemathesis.toml")
FUZZED_EXAMPLES = 15
"""Generated examples per operation, on top of the documented examples and the coverage cases."""
SCHEMATHESIS = [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()"]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenants]:
    url = f"sqlite:///{tmp_path_factory.mktemp('contract') / 'zapguard.db'}"
    with two_tenants(url) as made:
        yield made


def identities(scene: Tenants, folder: Path) -> Path:
    """The two tenants' admin keys as a Web Fuzzing Commons auth file."""
    path = folder / "identities.json"
    users = [
        {
            "name": tenant,
            "fixedHeaders": [
                {"name": "Authorization", "value": f"Bearer {scene.keys[tenant].admin}"}
            ],
        }
        for tenant in (A, B)
    ]
    path.write_text(json.dumps({"auth": users}), encoding="utf-8")
    return path


def test_no_generated_request_breaks_the_documented_contract(
    scene: Tenants, tmp_path: Path
) -> None:
    """schemathesis's own command line, every phase (examples, coverage, fuzzing, stateful) and
    every check: it exits 0 only when it found nothing."""
    run = subprocess.run(
        [
            *SCHEMATHESIS,
            "--config-file",
            str(CONFIG),
            "run",
            f"{scene.url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(FUZZED_EXAMPLES),
            # The same cases every run: a failure here is a failure every time.
            "--generation-deterministic",
            "--workers",
            "1",
            "--no-color",
        ],
        cwd=tmp_path,
        env={
            **os.environ,
            "ZAPGUARD_CONTRACT_IDENTITIES": str(identities(scene, tmp_path)),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    assert " passed" in report and "failure" not in report.split("SUMMARY")[-1], report[-4000:]


def test_the_document_declares_every_error_in_the_shared_shape(scene: Tenants) -> None:
    """Every error of zapguard's own routes refers to the one ``ErrorOut`` component (an error of
    a drop-in route is the provider's own shape; ``/healthz`` answers a load balancer with its
    health report, 503 or not)."""
    document = scene.scene.client.get("/openapi.json").json()
    own_errors = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            drop_in = any(tag.startswith("drop-in") for tag in operation.get("tags", []))
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")) or drop_in or path == "/healthz":
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
                own_errors += 1
    assert own_errors > 60
