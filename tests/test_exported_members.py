"""``__all__`` is honest, as httpx keeps it (its ``tests/test_exported_members.py``): every public
module that declares one lists exactly the public names it defines, each importable, and nothing
it merely happens to import; a package that re-exports names declares what it exports, and so does
every module of the domain, the policy and the providers.

"Defined" means bound at the module's top level by ``def``, ``class`` or an assignment (a module's
logger is plumbing, not API). A module may also list a name it imports from zapguard itself (a
deliberate re-export, like a package's ``__init__``); never one from another library.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import zapguard

DECLARING = ("zapguard.domain", "zapguard.policy", "zapguard.providers")
"""The layers below the services, imported by name from everywhere above: each of their public
modules declares what it exports."""
SKIPPED = ("zapguard.store.migrations",)
"""Alembic's scripts run against a migration context when imported: not a module's API."""


def _public_modules() -> list[str]:
    names = ["zapguard"]
    for info in pkgutil.walk_packages(zapguard.__path__, "zapguard."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts) or info.name.startswith(SKIPPED):
            continue
        names.append(info.name)
    return sorted(names)


PUBLIC_MODULES = _public_modules()


def _source(module: ModuleType) -> ast.Module:
    return ast.parse(Path(inspect.getfile(module)).read_text(encoding="utf-8"))


def _defined(module: ModuleType) -> set[str]:
    """Public names the module's own top level binds by def, class or assignment."""
    names: set[str] = set()
    for node in _source(module).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {
        name
        for name in names
        if not name.startswith("_")
        and not isinstance(getattr(module, name, None), logging.Logger | ModuleType)
    }


def _reexported(module: ModuleType) -> set[str]:
    """Public names the module imports from zapguard itself (what a package's ``__init__`` is
    for)."""
    names: set[str] = set()
    for node in _source(module).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("zapguard"):
            names.update(alias.asname or alias.name for alias in node.names)
    return {
        name
        for name in names
        if not name.startswith("_") and not isinstance(getattr(module, name, None), ModuleType)
    }


def _exported(module: ModuleType) -> list[str] | None:
    exported = getattr(module, "__all__", None)
    return None if exported is None else list(exported)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_a_modules_all_lists_exactly_what_it_defines_each_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = _exported(module)
    if exported is None:
        return
    assert len(exported) == len(set(exported)), "a name listed twice"
    assert [item for item in exported if not hasattr(module, item)] == []
    defined = _defined(module)
    assert sorted(defined - set(exported)) == [], "defined here, public, not in __all__"
    assert sorted(set(exported) - defined - _reexported(module)) == [], "listed, not ours"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_a_package_that_re_exports_names_declares_its_all(name: str) -> None:
    module = importlib.import_module(name)
    if not hasattr(module, "__path__") or not _reexported(module):
        return
    assert _exported(module) is not None


@pytest.mark.parametrize("name", [m for m in PUBLIC_MODULES if m.startswith(DECLARING)])
def test_every_module_of_the_lower_layers_declares_its_all(name: str) -> None:
    module = importlib.import_module(name)
    if _defined(module) or _reexported(module):  # an empty package has nothing to declare
        assert _exported(module) is not None


def test_the_check_sees_the_packages_and_their_modules() -> None:
    assert "zapguard.providers.cloud" in PUBLIC_MODULES
    assert "zapguard.providers.cloud.adapter" in PUBLIC_MODULES
    assert "zapguard.providers._http" not in PUBLIC_MODULES
    assert not any(name.startswith(SKIPPED) for name in PUBLIC_MODULES)
