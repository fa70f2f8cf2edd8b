"""WhatsApp providers behind one interface: Cloud API, Evolution API, WAHA, and the simulator.

:mod:`.base` holds the interface the dispatcher calls; each provider is one package (``cloud``,
``evolution``, ``waha``, ``simulator``) with its adapter, webhook parser, webhook proof, error shapes
and drop-in route table, registered by name (:mod:`.package`); :mod:`.registry` resolves a name to
its package and a ``[providers.*]`` section to an adapter. The simulator's server is
:mod:`.simulator.app`, kept out of this import: nothing here loads the policy or a web framework.
"""

from __future__ import annotations

from zapguard.providers.base import Endpoint, Provider, ProviderError, Sent
from zapguard.providers.cloud import CloudProvider
from zapguard.providers.evolution import EvolutionProvider
from zapguard.providers.registry import ProviderConfigError, connect, package
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
    "package",
]
