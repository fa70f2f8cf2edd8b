"""Where the configuration is: the file a command reads and the presets shipped with zapguard.

Kept apart from :mod:`zapguard.config` (the models and their validation) so that the command line
can name the file and the presets in its help texts without loading pydantic.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

DEFAULT_CONFIG_NAME: Final = "zapguard.toml"
DEFAULT_PRESET: Final = "seed"
PRESETS_FOLDER: Final = Path(__file__).resolve().parent / "presets"
"""Package data (``zapguard/presets/<name>.toml``), installed next to this module."""


def available_presets() -> list[str]:
    """Names of the presets shipped as package data, sorted."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in os.scandir(PRESETS_FOLDER)
        if entry.is_file() and entry.name.endswith(".toml")
    )


def find_config(explicit: Path | None) -> Path | None:
    """The file to read: ``explicit`` if given, else ``./zapguard.toml`` if it exists, else none."""
    if explicit is not None:
        return explicit
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None
