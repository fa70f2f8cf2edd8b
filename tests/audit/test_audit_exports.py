"""Reading WhatsApp chat exports: the four shapes (Android/iOS × pt-BR/en-US) written by hand in
``exports/``, counted message by message; day/month order; what is not an export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from zapguard.audit.exports import NotAChatExport, read_export, sniff
from zapguard.audit.stats import count_export

EXPORTS = Path(__file__).parent / "exports"

# What each hand-written export holds, counted by reading it line by line.
EXPECTED = {
    "android_pt.txt": {
        "format": "android",
        "language": "pt-BR",
        "messages": 8,
        "system_lines": 1,
        "authors": ["Maria Souza", "Loja Exemplo"],
        "links": [
            "https://loja.com.br/rastreio/123",
            "http://loja.com.br/ofertas",
            "www.loja.com.br/novidades",
        ],
        "media": 1,
        "deleted": 2,
        "last": datetime(2024, 3, 15, 14, 0),
    },
    "android_en.txt": {
        "format": "android",
        "language": "en-US",
        "messages": 8,
        "system_lines": 1,
        "authors": ["John Smith", "Acme Store"],
        "links": ["https://acme.example.com/track/123", "http://acme.example.com/deals"],
        "media": 1,
        "deleted": 2,
        "last": datetime(2024, 3, 14, 0, 5),
    },
    "ios_pt.txt": {
        "format": "ios",
        "language": "pt-BR",
        "messages": 9,
        "system_lines": 1,
        "authors": ["Maria Souza", "Loja Exemplo"],
        "links": [
            "https://loja.com.br/rastreio/123",
            "http://loja.com.br/ofertas",
            "www.loja.com.br/novidades",
        ],
        "media": 2,
        "deleted": 2,
        "last": datetime(2024, 3, 15, 14, 0),
    },
    "ios_en.txt": {
        "format": "ios",
        "language": "en-US",
        "messages": 8,
        "system_lines": 1,
        "authors": ["John Smith", "Acme Store"],
        "links": ["https://acme.example.com/track/123", "http://acme.example.com/deals"],
        "media": 1,
        "deleted": 2,
        "last": datetime(2024, 3, 14, 0, 5),
    },
}


def _lines(name: str) -> list[str]:
    return (EXPORTS / name).read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_variant_is_counted_message_by_message(name: str) -> None:
    expected = EXPECTED[name]
    lines = _lines(name)
    shape = sniff(lines)
    stats = count_export(name, lines, shape)
    assert shape.format == expected["format"]
    assert shape.language == expected["language"]
    assert stats.messages == expected["messages"]
    assert stats.system_lines == expected["system_lines"]
    assert list(stats.authors) == expected["authors"]
    assert stats.links == expected["links"]
    assert stats.media == expected["media"]
    assert stats.deleted == expected["deleted"]
    assert stats.last == expected["last"].isoformat()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_message_over_several_lines_is_one_message_with_its_line_breaks(name: str) -> None:
    lines = _lines(name)
    items = list(read_export(lines, sniff(lines)))
    multi = [item for item in items if "\n" in item.text]
    assert len(multi) == 1
    assert multi[0].text.splitlines()[1].startswith("https://")
    assert multi[0].author in ("Loja Exemplo", "Acme Store")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_encryption_notice_is_a_system_line_whoever_it_is_attributed_to(name: str) -> None:
    lines = _lines(name)
    first = next(iter(read_export(lines, sniff(lines))))
    assert first.author is None
    assert first.kind == "system"
    assert "criptografia" in first.text or "end-to-end encrypted" in first.text


def test_twelve_hour_times_with_a_narrow_no_break_space_read_pm_and_midnight() -> None:
    lines = _lines("android_en.txt")
    items = list(read_export(lines, sniff(lines)))
    times = [item.at for item in items]
    assert datetime(2024, 3, 12, 13, 15) in times  # 1:15 PM
    assert times[-1] == datetime(2024, 3, 14, 0, 5)  # 12:05 AM


def test_a_persons_message_that_reads_like_a_group_event_stays_a_message() -> None:
    # "ele saiu às 18h" / "he left at 6 PM": only marked notices are system lines.
    lines = _lines("android_pt.txt")
    items = list(read_export(lines, sniff(lines)))
    keys = next(item for item in items if "porteiro" in item.text)
    assert keys.author == "Maria Souza"
    assert keys.kind == "message"


def test_ios_direction_marks_are_not_part_of_authors_or_placeholders() -> None:
    lines = _lines("ios_pt.txt")
    items = list(read_export(lines, sniff(lines)))
    assert {item.author for item in items if item.author} == {"Maria Souza", "Loja Exemplo"}
    kinds = [item.kind for item in items if item.author == "Loja Exemplo"]
    assert kinds.count("media") == 2
    assert kinds.count("deleted") == 1


@pytest.mark.parametrize(
    ("first_line", "day_first", "why", "month"),
    [
        ("13/03/2024 09:00 - Ana: oi\n", True, "field>12", 3),
        ("3/13/24, 9:00 AM - Ana: hi\n", False, "field>12", 3),
        ("03/04/2024 09:00 - Ana: <Mídia oculta>\n", True, "words", 4),
        ("03/04/2024 09:00 - Ana: <Media omitted>\n", False, "words", 3),
        ("03/04/2024 09:00 - Ana: ok\n", True, "default", 4),
    ],
)
def test_day_or_month_first_is_decided_from_the_file(
    first_line: str, day_first: bool, why: str, month: int
) -> None:
    shape = sniff([first_line, "03/04/2024 09:01 - Bia: ok\n"])
    assert (shape.order.day_first, shape.order.why) == (day_first, why)
    items = list(read_export([first_line], shape))
    assert items[0].at.month == month


def test_a_file_that_is_not_an_export_names_its_first_line() -> None:
    with pytest.raises(NotAChatExport, match="linha 2: não é uma conversa exportada"):
        sniff(["\n", "nome,telefone\n", "Ana,5511999990000\n"])


def test_a_header_with_an_impossible_date_names_its_line() -> None:
    lines = ["13/03/2024 09:00 - Ana: oi\n", "12/13/2024 09:00 - Ana: oi\n"]
    with pytest.raises(NotAChatExport, match="line 2"):
        list(read_export(lines, sniff(lines)))


def test_a_notice_attributed_to_the_chat_without_a_mark_is_still_a_system_line() -> None:
    lines = [
        "[12/03/2024, 08:59:00] Maria Souza: Messages and calls are end-to-end encrypted. No one "
        "outside of this chat, not even WhatsApp, can read or listen to them.\n",
        "[12/03/2024, 09:00:00] Maria Souza: Mensagens temporárias: ativadas\n",
        "[12/03/2024, 09:01:00] Maria Souza: Messages and calls, as promised\n",
    ]
    kinds = [item.kind for item in read_export(lines, sniff(lines))]
    assert kinds == ["system", "system", "message"]
