"""The simulator: a stand-in WhatsApp provider that speaks the Cloud API's dialect.

As a provider kind it is the Cloud API package pointed at the simulator's ``base_url``, so the path
a message takes in a demo or a test is the production one. The simulator's own server (a FastAPI
app) lives in :mod:`.app` and is imported only by what runs it: importing this package loads no
web framework.
"""

from __future__ import annotations

from typing import ClassVar, Final

from zapguard.providers.cloud import CloudPackage

__all__ = ["SIMULATOR_TOKEN", "SimulatorPackage"]

SIMULATOR_TOKEN: Final = "simulator"
"""Bearer token sent to the simulator when the section names none (it accepts any value)."""


class SimulatorPackage(CloudPackage):
    name: ClassVar[str] = "simulator"
    token_needed: ClassVar[str | None] = None
    default_token: ClassVar[str | None] = SIMULATOR_TOKEN
