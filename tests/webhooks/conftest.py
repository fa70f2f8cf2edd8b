"""The webhook specs' scene: two tenants on shared provider connections (see ``webhook_scene``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from webhook_scene import Scene, build_scene


@pytest.fixture
def two_tenants(sqlite_url: str) -> Iterator[Scene]:
    scene = build_scene(sqlite_url)
    yield scene
    scene.store.close()
