"""The documented payloads under ``payloads/``, one JSON file each, read as dicts or as raw bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"


def raw(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw(name))
    return loaded
