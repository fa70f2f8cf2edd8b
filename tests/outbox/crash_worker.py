"""A dispatcher process for the crash test: works a SQLite outbox, sending over HTTP to a sink.

Run as ``python crash_worker.py DATABASE_URL SINK_URL``; exits 0 once nothing is queued or being
sent. The test kills it with SIGKILL at random points and starts it again.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import httpx

from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.outbox import Outbox
from zapguard.policy.config import VolumeConfig
from zapguard.providers.base import NO_OPTIONS, Provider, ProviderError, SendOptions, Sent
from zapguard.service_config import DispatchConfig
from zapguard.store import LineRecord, Store

LEASE_SECONDS = 1.0
"""Below the configurable minimum (5 s) so in-doubt rows come back quickly; the sink answers in
milliseconds, so a live send never outlasts it."""


class SinkProvider:
    """Posts each message as JSON; the sink deduplicates on ``reference`` like an idempotent API."""

    supports_typing = False

    def __init__(self, client: httpx.Client, url: str) -> None:
        self._client = client
        self._url = url

    def send_text(
        self,
        to: str,
        text: str,
        *,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        try:
            response = self._client.post(
                self._url, json={"to": to, "text": text, "reference": reference}
            )
        except httpx.HTTPError as error:
            raise ProviderError(type(error).__name__, code="network", retryable=True) from None
        if response.status_code != 200:
            raise ProviderError("sink error", status=response.status_code, retryable=True)
        return Sent(str(response.json()["id"]))

    def send_media(
        self,
        to: str,
        url: str,
        *,
        caption: str | None = None,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        return self.send_text(to, f"{url} {caption or ''}", reference=reference)

    def typing(self, to: str, seconds: float) -> None:
        return None

    def mark_read(self, to: str, provider_message_id: str) -> None:
        return None


def main(database_url: str, sink_url: str) -> int:
    store = Store(database_url)
    client = httpx.Client(timeout=10)
    provider: Provider = SinkProvider(client, sink_url)

    def provider_for(record: LineRecord) -> Provider:
        return provider

    dispatch = DispatchConfig(workers=3, poll_seconds=0.01, typing_chars_per_second=0).model_copy(
        update={"lease_seconds": LEASE_SECONDS, "in_doubt_wait_seconds": 0}
    )
    volume = VolumeConfig(
        merge_window_seconds=0, gap_min_seconds=0, gap_max_seconds=0, pair_interval_seconds=0
    )
    dispatcher = Dispatcher(store, provider_for, dispatch, volume, clock=lambda: datetime.now(UTC))
    outbox = Outbox(store)
    dispatcher.start()
    try:
        while outbox.depths():
            time.sleep(0.02)
    finally:
        dispatcher.stop(timeout=10)
        client.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
