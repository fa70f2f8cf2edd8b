"""``zapguard serve --workers 2``: two processes accept and dispatch from one database; every
message is delivered exactly once, whichever worker took the request or claimed the send."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from e2e_processes import ZAPGUARD, create_key, free_port, process, write_config

MESSAGES = 40


def test_two_workers_deliver_every_message_exactly_once(tmp_path: Path) -> None:
    simulator_port, port = free_port(), free_port()
    config = write_config(tmp_path, simulator_port, "segredo")
    key = create_key(config)
    url = f"http://127.0.0.1:{port}"
    simulator = f"http://127.0.0.1:{simulator_port}"
    serve = [*ZAPGUARD, "serve", "--config", str(config), "--port", str(port), "--workers", "2"]
    with (
        process(
            [*ZAPGUARD, "simulator", "--port", str(simulator_port)],
            f"{simulator}/_simulator/messages",
        ),
        process(serve, f"{url}/healthz"),
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as api,
    ):
        for i in range(2):
            created = api.post(
                "/v1/lines",
                json={
                    "id": f"l{i}",
                    "phone": f"+55119123400{i:02d}",
                    "role": "receptive",
                    "in_use_since": "2022-01-03",
                    "provider": "simulator",
                    "provider_account": f"10020030{i}",
                },
            )
            assert created.status_code == 201, created.text
        contacts = [f"+55319{88000000 + n:08d}" for n in range(MESSAGES)]
        for n, contact in enumerate(contacts):
            api.post(
                "/v1/events",
                json={"kind": "inbound", "line": f"l{n % 2}", "contact": contact, "text": "Oi"},
            ).raise_for_status()

        def send(n: int) -> str:
            answer = httpx.post(
                f"{url}/v21.0/10020030{n % 2}/messages",
                json={
                    "messaging_product": "whatsapp",
                    "to": contacts[n],
                    "type": "text",
                    "text": {"body": f"Pedido {n} saiu"},
                },
                headers={"Authorization": f"Bearer {key}"},
            )
            assert answer.status_code == 200, answer.text
            message_id: str = answer.json()["messages"][0]["id"]
            return message_id

        with ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(send, range(MESSAGES)))

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            attempts = httpx.get(f"{simulator}/_simulator/attempts").json()
            if attempts["delivered"] >= MESSAGES:
                break
            time.sleep(0.1)
        delivered = httpx.get(f"{simulator}/_simulator/messages").json()

    assert len(set(ids)) == MESSAGES
    assert sorted(m["reference"] for m in delivered) == sorted(ids)  # each once, none missing
    assert attempts["duplicates"] == []
