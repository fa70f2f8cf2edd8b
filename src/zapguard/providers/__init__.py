"""WhatsApp providers behind one interface: Cloud API, Evolution API, WAHA, and the simulator.

:mod:`.base` holds the interface the dispatcher calls, :mod:`.registry` picks the adapter a
``[providers.*]`` section names, :mod:`.simulator` is the Cloud-API-speaking stand-in used by the demo
and the end-to-end tests.
"""

from __future__ import annotations

from zapguard.providers.base import Endpoint, Provider, ProviderError, Sent
from zapguard.providers.cloud import CloudProvider
from zapguard.providers.evolution import EvolutionProvider
from zapguard.providers.registry import ProviderConfigError, connect
from zapguard.providers.simulator import simulator_app
from zapguard.providers.waha import WahaProvider

__all__ = [
    "CloudProvider",
    "Endpoint",
    "EvolutionProvider",
    "Provider",
    "ProviderConfigError",
    "ProviderError",
    "Sent",
    "WahaProvider",
    "connect",
    "simulator_app",
]
