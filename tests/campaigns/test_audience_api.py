"""``/v1/audiences`` over real HTTP (uvicorn on loopback): the file as the body, the report as the
answer, and two tenants who never see or replace each other's audiences."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from audience_files import excel_ptbr_csv, xlsx

from zapguard.api.app import create_app
from zapguard.gateway.runtime import Sources, open_services
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import ServiceConfig
from zapguard.store.api_keys import create_key

NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
CSV = {"Content-Type": "text/csv"}
XLSX = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Tenants:
    client: httpx.Client
    keys: dict[str, dict[str, str]]


@pytest.fixture
def api(database_url: str) -> Iterator[Tenants]:
    services = open_services(
        Sources(database_url=database_url, policy=PolicyConfig(), config=ServiceConfig()),
        clock=lambda: NOW,
    )
    keys = {}
    for tenant in ("loja", "rival"):
        services.store.tenants.ensure(tenant_id=tenant)
        key, _ = create_key(services.store, tenant_id=tenant, name="app", at=NOW)
        keys[tenant] = {"Authorization": f"Bearer {key}"}
    server = uvicorn.Server(
        uvicorn.Config(create_app(services, run_dispatcher=False), host="127.0.0.1", port=0)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            yield Tenants(client, keys)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


def test_upload_answers_the_report_and_reads_back(api: Tenants, tmp_path: Path) -> None:
    body = excel_ptbr_csv(
        tmp_path / "c.csv",
        [
            ["Telefone", "Nome", "Consentimento", "Cidade"],
            ["(11) 98765-4321", "José", "sim", "São Paulo"],
            ["11 8765-4321", "José", "sim", "São Paulo"],
            ["(21) 99876-5432", "Ana", "não", "Niterói"],
        ],
    ).read_bytes()

    created = api.client.post(
        "/v1/audiences", params={"name": "clientes"}, content=body, headers=api.keys["loja"] | CSV
    )

    assert created.status_code == 201, created.text
    report = created.json()
    assert report == {
        "audience": "clientes",
        "rows": 3,
        "usable": 1,
        "excluded": {"invalid_phone": 0, "duplicate": 1, "no_consent": 1, "opted_out": 0},
        "problems": [
            {"row": 3, "reason": "duplicate", "value": "11 8765-4321"},
            {"row": 4, "reason": "no_consent", "value": "não"},
        ],
    }
    shown = api.client.get("/v1/audiences/clientes", headers=api.keys["loja"])
    assert shown.status_code == 200
    assert shown.json() == report
    listed = api.client.get("/v1/audiences", headers=api.keys["loja"]).json()
    assert [(item["audience"], item["usable"], item["fields"]) for item in listed] == [
        ("clientes", 1, ["cidade"])
    ]


def test_xlsx_upload(api: Tenants, tmp_path: Path) -> None:
    body = xlsx(tmp_path / "l.xlsx", [["Celular", "Aceite"], [11987654321, True]]).read_bytes()

    created = api.client.post(
        "/v1/audiences", params={"name": "l"}, content=body, headers=api.keys["loja"] | XLSX
    )

    assert created.status_code == 201, created.text
    assert created.json()["usable"] == 1


def test_another_tenant_neither_sees_nor_overwrites_an_audience(
    api: Tenants, tmp_path: Path
) -> None:
    ours = excel_ptbr_csv(tmp_path / "a.csv", [["Telefone", "Aceite"], ["11987650001", "sim"]])
    theirs = excel_ptbr_csv(
        tmp_path / "b.csv", [["Telefone", "Aceite"], ["11987650002", "sim"], ["x", "sim"]]
    )
    loja, rival = api.keys["loja"] | CSV, api.keys["rival"] | CSV
    assert (
        api.client.post(
            "/v1/audiences", params={"name": "vip"}, content=ours.read_bytes(), headers=loja
        ).status_code
        == 201
    )

    assert api.client.get("/v1/audiences/vip", headers=api.keys["rival"]).status_code == 404
    assert api.client.get("/v1/audiences", headers=api.keys["rival"]).json() == []
    replaced = api.client.post(
        "/v1/audiences",
        params={"name": "vip", "replace": "true"},
        content=theirs.read_bytes(),
        headers=rival,
    )
    assert replaced.status_code == 201
    assert replaced.json()["rows"] == 2

    assert api.client.get("/v1/audiences/vip", headers=api.keys["loja"]).json()["rows"] == 1
    assert api.client.get("/v1/audiences/vip", headers=api.keys["rival"]).json()["rows"] == 2


def test_an_existing_name_is_a_conflict_unless_replace(api: Tenants, tmp_path: Path) -> None:
    body = excel_ptbr_csv(tmp_path / "a.csv", [["Telefone"], ["11987650001"]]).read_bytes()
    headers = api.keys["loja"] | CSV
    first = api.client.post("/v1/audiences", params={"name": "a"}, content=body, headers=headers)
    assert first.status_code == 201

    again = api.client.post("/v1/audiences", params={"name": "a"}, content=body, headers=headers)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert "--replace" in again.json()["error"]["message_en"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "Empty body"),
        (b"Nome;Cidade\nAna;Rio\n", "no phone column"),
        (b"Telefone;Nome\n11987650001;Ana\n11987650002;Bia;Rua A\n", "upload:x:3"),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_422_naming_the_problem(
    api: Tenants, content: bytes, expected: str
) -> None:
    answer = api.client.post(
        "/v1/audiences", params={"name": "x"}, content=content, headers=api.keys["loja"] | CSV
    )

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert expected in error["message_en"] + error["message_pt"]
    assert api.client.get("/v1/audiences", headers=api.keys["loja"]).json() == []


def test_without_a_key_nothing_is_imported(api: Tenants) -> None:
    answer = api.client.post(
        "/v1/audiences", params={"name": "x"}, content=b"Telefone\n11987650001\n", headers=CSV
    )

    assert answer.status_code == 401
