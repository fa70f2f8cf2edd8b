"""``zapguard audit``: the JSON twin and the HTML report for chat exports (the four variants, a zip)
and replay logs, the findings being the policy's own rule codes with quotes from the files."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from replay_scene import decisions, zapguard

EXPORTS = Path(__file__).parent / "exports"
DEMO_LOG = Path(__file__).parents[2] / "examples" / "demo.jsonl"
FILE_KEYS = {"file", "format", "messages", "system_lines", "authors", "business", "links"}
FILE_KEYS |= {"media", "deleted"}


@pytest.fixture(autouse=True)
def _no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no zapguard.toml of the repository's folder is read


def audit(*args: str | Path) -> dict[str, Any]:
    result = zapguard("audit", *args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def findings(report: dict[str, Any]) -> dict[str, int]:
    return {item["code"]: item["count"] for item in report["findings"]}


def write_export(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "business", "codes"),
    [
        ("android_pt.txt", "Loja Exemplo", {"ZG701": 2, "ZG801": 1}),
        ("android_en.txt", "Acme Store", {"ZG701": 1, "ZG801": 1}),
        ("ios_pt.txt", "Loja Exemplo", {"ZG701": 2, "ZG502": 2, "ZG801": 1}),
        ("ios_en.txt", "Acme Store", {"ZG701": 1, "ZG502": 1, "ZG801": 1}),
    ],
)
def test_each_variant_is_audited_with_the_business_detected_and_the_policys_codes(
    name: str, business: str, codes: dict[str, int]
) -> None:
    report = audit(EXPORTS / name)
    (stats,) = report["files"]
    assert set(stats) >= FILE_KEYS
    assert stats["file"] == name
    assert stats["business"] == business
    assert findings(report) == codes
    assert set(report) >= {"files", "findings", "risk", "top_actions"}
    assert report["risk"] == "médio"
    assert len(report["top_actions"]) == 3
    assert all(action["pt"] and action["en"] for action in report["top_actions"])


def test_examples_quote_the_message_and_its_line_from_the_file() -> None:
    report = audit(EXPORTS / "android_pt.txt")
    (http,) = [f for f in report["findings"] if f["code"] == "ZG701"]
    first = http["examples"][0]
    lines = (EXPORTS / "android_pt.txt").read_text(encoding="utf-8").splitlines()
    assert first["file"] == "android_pt.txt"
    assert first["text"] == "Veja também as ofertas em http://loja.com.br/ofertas"
    assert lines[first["line"] - 1].endswith(first["text"])
    assert first["author"] == "Loja Exemplo"
    assert first["verdict"] == "reject"
    assert first["at"] == "2024-03-12T09:06:00-03:00"


def test_a_zip_export_reads_the_chat_inside(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat - Maria Souza.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(EXPORTS / "ios_pt.txt", "_chat.txt")
        zipped.writestr("00000012-PHOTO-2024-03-12-09-02-03.jpg", b"\xff\xd8")
    zipped_report = audit(archive)
    plain_report = audit(EXPORTS / "ios_pt.txt")
    (stats,) = zipped_report["files"]
    assert stats["file"] == "WhatsApp Chat - Maria Souza.zip:_chat.txt"
    plain = plain_report["files"][0]
    assert {k: v for k, v in stats.items() if k != "file"} == {
        k: v for k, v in plain.items() if k != "file"
    }
    assert findings(zipped_report) == findings(plain_report)


def test_a_replay_log_is_audited_with_the_same_codes_as_zapguard_replay() -> None:
    report = audit(DEMO_LOG, "--config", DEMO_LOG.parent / "zapguard.toml")
    replayed = zapguard("replay", DEMO_LOG, "--config", DEMO_LOG.parent / "zapguard.toml")
    assert replayed.exit_code == 0, replayed.output
    codes: Counter[str] = Counter()
    for decision in decisions(replayed):
        codes.update(decision["codes"])
    assert findings(report) == dict(codes)
    (stats,) = report["files"]
    assert stats["format"] == "jsonl"
    log = [json.loads(line) for line in DEMO_LOG.read_text(encoding="utf-8").splitlines()]
    assert stats["messages"] == sum(r["type"] in ("inbound", "outbound") for r in log)
    assert stats["system_lines"] == sum(r["type"] not in ("inbound", "outbound") for r in log)
    assert report["risk"] == "alto"


def test_a_chat_the_business_starts_and_nobody_answers_is_business_initiated(
    tmp_path: Path,
) -> None:
    lines = [f"{day:02d}/03/2024 10:00 - Loja Exemplo: Oferta do dia {day}!" for day in range(1, 8)]
    export = write_export(tmp_path / "Conversa do WhatsApp com Carla.txt", "\n".join(lines) + "\n")
    report = audit(export, "--me", "Loja Exemplo")
    codes = findings(report)
    assert codes["ZG302"] == 7  # the contact never wrote to the receptive line
    assert report["files"][0]["authors"] == ["Loja Exemplo"]
    assert report["risk"] == "médio"  # 7 refusals: under the dozen of seed tip 2
    assert audit(export, "--me", "Loja Exemplo", "--alto-from", "5")["risk"] == "alto"


def test_messages_over_the_daily_cap_are_zg501_and_the_risk_is_high(tmp_path: Path) -> None:
    config = tmp_path / "zapguard.toml"
    config.write_text('preset = "seed"\n\n[volume]\ndaily_cap = 3\n', encoding="utf-8")
    lines = ["14/03/2024 09:00 - Ana: oi"]
    lines += [f"14/03/2024 09:{m:02d} - Loja Exemplo: resposta {m}" for m in range(1, 6)]
    export = write_export(tmp_path / "chat.txt", "\n".join(lines) + "\n")
    report = audit(export, "--config", config)
    assert findings(report)["ZG501"] == 2  # the 4th and 5th of the day
    assert report["risk"] == "alto"
    assert report["daily_cap"] == 3
    assert report["per_day"] == [{"day": "2024-03-14", "business": 5}]


def test_the_business_is_the_author_who_answers_most_contacts(tmp_path: Path) -> None:
    first = write_export(
        tmp_path / "a.txt",
        "14/03/2024 09:00 - Ana: oi\n14/03/2024 09:01 - Loja: olá Ana\n"
        "14/03/2024 09:02 - Ana: obrigada\n14/03/2024 09:03 - Ana: até mais\n",
    )
    second = write_export(
        tmp_path / "b.txt", "14/03/2024 10:00 - Bia: bom dia\n14/03/2024 10:01 - Loja: olá Bia\n"
    )
    report = audit(first, second)
    assert [stats["business"] for stats in report["files"]] == ["Loja", "Loja"]
    assert report["business_messages"] == 2
    assert report["contact_messages"] == 4


def test_a_group_is_one_conversation_whose_members_answer(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "grupo.txt",
        '14/03/2024 09:00 - Loja criou o grupo "Clientes VIP"\n'
        "14/03/2024 09:01 - Ana: oi pessoal\n14/03/2024 09:02 - Loja: bem-vindas!\n"
        "14/03/2024 09:03 - Bia: obrigada\n14/03/2024 09:04 - Loja: ofertas amanhã\n",
    )
    report = audit(export, "--me", "Loja")
    assert report["files"][0]["system_lines"] == 1
    assert report["files"][0]["authors"] == ["Ana", "Loja", "Bia"]
    assert "ZG302" not in findings(report)  # Ana wrote to the group first


def test_the_html_report_is_self_contained_and_never_runs_quoted_text(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "chat.txt",
        "14/03/2024 09:00 - Ana <b>: oi\n"
        "14/03/2024 09:01 - Loja: <script>alert('x')</script> http://loja.com.br/a\n"
        "14/03/2024 09:02 - Loja: veja http://loja.com.br/<img src=x onerror=alert(1)>\n",
    )
    html_path = tmp_path / "report.html"
    json_path = tmp_path / "report.json"
    result = zapguard("audit", export, "--me", "Loja", "--html", html_path, "--json", json_path)
    assert result.exit_code == 0, result.output
    html = html_path.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Ana &lt;b&gt;" in html
    tags = _tags(html)
    assert {"script", "img", "link", "iframe", "object"}.isdisjoint(tag for tag, _ in tags)
    assert all(name not in ("src", "href", "srcset") for _, attrs in tags for name, _ in attrs)
    assert all(not name.startswith("on") for _, attrs in tags for name, _ in attrs)
    style = html[html.index("<style>") : html.index("</style>")]
    assert "url(" not in style and "@import" not in style
    assert html.count("<svg") == 2  # messages per day, findings by rule
    assert json.loads(json_path.read_text(encoding="utf-8"))["files"][0]["file"] == "chat.txt"
    assert html.index("Risco de banimento") < html.index("ban risk")  # pt-BR first


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of ``html`` with its attributes, as a browser's parser reads them."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_a_file_that_is_not_an_export_is_one_error_naming_file_and_line(tmp_path: Path) -> None:
    export = write_export(tmp_path / "contatos.csv", "\nnome,telefone\nAna,5511999990000\n")
    result = zapguard("audit", export)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert "contatos.csv: linha 2: não é uma conversa exportada do WhatsApp" in message
    assert "not a WhatsApp chat export" in message


def test_a_name_given_with_me_that_wrote_nothing_is_refused() -> None:
    result = zapguard("audit", EXPORTS / "android_pt.txt", "--me", "Loja")
    assert result.exit_code == 2
    assert "Loja Exemplo, Maria Souza" in " ".join(result.stderr.split())


def test_exports_whose_times_interleave_are_replayed_in_time_order(tmp_path: Path) -> None:
    first = write_export(
        tmp_path / "ana.txt",
        "14/03/2024 09:00 - Ana: oi\n14/03/2024 09:10 - Loja: olá Ana\n"
        "14/03/2024 09:05 - Ana: chegou atrasada\n",  # delivered late: taken as 09:10
    )
    second = write_export(
        tmp_path / "bia.txt", "14/03/2024 09:02 - Bia: bom dia\n14/03/2024 09:08 - Loja: olá Bia\n"
    )
    report = audit(first, second, "--me", "Loja")
    assert report["business_messages"] == 2
    assert report["contact_messages"] == 3
    assert findings(report) == {}
    assert report["risk"] == "baixo"


def test_a_zip_without_a_chat_is_refused_by_name(tmp_path: Path) -> None:
    archive = tmp_path / "fotos.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("IMG-20240312-WA0001.jpg", b"\xff\xd8")
    result = zapguard("audit", archive)
    assert result.exit_code == 2
    assert "fotos.zip: o zip não contém a conversa (.txt)" in " ".join(result.stderr.split())


def test_a_malformed_log_record_is_refused_with_its_line(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(DEMO_LOG.read_text(encoding="utf-8") + '{"type": "inbound"\n', encoding="utf-8")
    result = zapguard("audit", log)
    assert result.exit_code == 2
    lines = len(DEMO_LOG.read_text(encoding="utf-8").splitlines())
    assert f"log.jsonl: linha {lines + 1}: JSON inválido" in " ".join(result.stderr.split())


def test_an_android_zip_export_reads_its_only_txt(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat with John Smith.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(EXPORTS / "android_en.txt", "WhatsApp Chat with John Smith.txt")
    report = audit(archive)
    (stats,) = report["files"]
    assert stats["file"] == f"{archive.name}:WhatsApp Chat with John Smith.txt"
    assert (stats["format"], stats["messages"], stats["business"]) == ("android", 8, "Acme Store")
    assert findings(report) == {"ZG701": 1, "ZG801": 1}
