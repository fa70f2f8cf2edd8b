"""Each provider is one package, registered by name, that loads neither the policy nor the web
stack: a worker or a script can send through an adapter without FastAPI or the rules engine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zapguard.providers.cloud import CloudPackage
from zapguard.providers.evolution import EvolutionPackage
from zapguard.providers.registry import ProviderConfigError, dialect_kinds, known, package
from zapguard.providers.simulator import SimulatorPackage
from zapguard.providers.waha import WahaPackage

FORBIDDEN = ("zapguard.policy", "zapguard.config", "fastapi", "starlette", "sqlalchemy")
"""The policy, the configuration loader (which loads the policy), the web stack, the database."""

_DRIVER = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_by(module: str) -> list[str]:
    """The modules a fresh interpreter holds after importing ``module``."""
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, module],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.parametrize(
    "module",
    [
        "zapguard.providers",
        "zapguard.providers.cloud",
        "zapguard.providers.cloud.adapter",
        "zapguard.providers.evolution",
        "zapguard.providers.waha",
        "zapguard.providers.simulator",
        "zapguard.providers.registry",
    ],
)
def test_importing_a_provider_loads_neither_the_policy_nor_the_web_stack(module: str) -> None:
    loaded = _loaded_by(module)
    assert module in loaded
    heavy = [
        name
        for name in loaded
        if any(name == root or name.startswith(root + ".") for root in FORBIDDEN)
    ]
    assert heavy == []


def test_the_registry_resolves_every_provider_kind_to_its_package() -> None:
    assert known() == ["cloud", "evolution", "simulator", "waha"]
    assert isinstance(package("cloud"), CloudPackage)
    assert isinstance(package("evolution"), EvolutionPackage)
    assert isinstance(package("waha"), WahaPackage)
    assert isinstance(package("simulator"), SimulatorPackage)


def test_the_simulator_speaks_the_cloud_dialect() -> None:
    assert package("simulator").dialect == "cloud"
    assert dialect_kinds("cloud") == {"cloud", "simulator"}
    assert dialect_kinds("evolution") == {"evolution"}
    assert dialect_kinds("waha") == {"waha"}


def test_an_unknown_provider_name_is_a_configuration_error_naming_the_known_ones() -> None:
    with pytest.raises(ProviderConfigError, match="cloud, evolution, simulator, waha"):
        package("zapi")
