"""The provider connections of one server: which providers it has and each line's open adapter.

One place answers "can this server send on that line?" (the submitter asks before deciding, the
decider before picking a line for a pool) and "through what?" (the dispatcher, at send time).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping

import httpx
from pydantic import SecretStr

from zapguard.domain.models import Line
from zapguard.providers.base import Provider
from zapguard.providers.registry import connect
from zapguard.service_config import SIMULATOR, ProviderSettings
from zapguard.store.errors import ConfigurationError
from zapguard.store.records import LineRecord


class ProviderConnections:
    """The configured providers (plus the in-app simulator of ``--demo``), opened per line on use."""

    def __init__(
        self,
        configured: Mapping[str, ProviderSettings],
        http: httpx.Client,
        *,
        simulator_url: str | None = None,
    ) -> None:
        self.settings: dict[str, ProviderSettings] = dict(configured)
        self.simulator_secret: str | None = None
        """The in-app simulator's webhook secret, made at each start: it signs its webhooks with
        it and the receiver checks them as Meta's (``app_secret``), so nobody else can post as it."""
        if SIMULATOR not in self.settings and simulator_url is not None:
            self.simulator_secret = secrets.token_urlsafe(32)
            self.settings[SIMULATOR] = ProviderSettings(
                kind="simulator",
                base_url=simulator_url,
                app_secret=SecretStr(self.simulator_secret),
            )
        self._http = http
        self._open: dict[str, Provider] = {}
        self._lock = threading.Lock()

    def settings_of(self, line: Line) -> ProviderSettings | None:
        """The provider connection a line is configured with; ``None`` for a line without one (a
        replayed log's) or on a provider this server does not have."""
        return self.settings.get(line.provider) if line.provider is not None else None

    def send_problem(self, line: Line) -> tuple[str, str] | None:
        """Why this server cannot send on ``line`` (pt-BR, en, each with the fix), or ``None``."""
        if line.provider is None:
            return (
                f"a linha {line.id} não tem provedor (foi cadastrada por um replay, só é julgada): "
                f"dê um a ela com `zapguard lines provider {line.id} --provider NOME` (uma seção "
                "[providers.NOME] do zapguard.toml) e envie de novo",
                f"line {line.id} has no provider (a replay registered it; it is only judged): "
                f"give it one with `zapguard lines provider {line.id} --provider NAME` (a "
                "[providers.NAME] section of zapguard.toml) and send again",
            )
        if line.provider not in self.settings:
            return (
                f"o provedor {line.provider!r} da linha {line.id} não está configurado neste "
                f"servidor: crie a seção [providers.{line.provider}] no zapguard.toml, ou dê outro "
                f"à linha com `zapguard lines provider {line.id} --provider NOME`",
                f"provider {line.provider!r} of line {line.id} is not configured on this server: "
                f"add a [providers.{line.provider}] section to zapguard.toml, or give the line "
                f"another with `zapguard lines provider {line.id} --provider NAME`",
            )
        return None

    def provider_for(self, record: LineRecord) -> Provider:
        """The provider connection of a line, opened on first use and kept."""
        line = record.line
        with self._lock:
            cached = self._open.get(line.id)
            if cached is not None:
                return cached
            if line.provider is None:
                raise ConfigurationError(
                    f"a linha {line.id} não tem provedor (só é julgada, como num replay) / line "
                    f"{line.id} has no provider (it is only judged, as in a replay)"
                )
            settings = self.settings.get(line.provider)
            if settings is None:
                raise ConfigurationError(
                    f"provedor {line.provider!r} da linha {line.id} não configurado em "
                    f"[providers] / provider {line.provider!r} of line {line.id} is not configured"
                )
            provider = connect(settings, record.provider_account or line.id, self._http)
            self._open[line.id] = provider
            return provider


__all__ = ["ProviderConnections"]
