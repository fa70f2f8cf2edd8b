"""Blocklist feeds (ZG702) are read into the hosts they block, whatever their format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zapguard.domain.blocklist import FORMATS, parse_blocklist

PLAIN = """\
# Lista local da loja
evil.com
https://phish.example.com.br/login?x=1

WWW.Golpe.COM.BR   # golpe do Pix
http://42.224.68.54:56456/i
"""

# Shaped like https://urlhaus.abuse.ch/downloads/csv_recent/
URLHAUS = """\
################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs)           #
# Last updated: 2024-05-02 10:05:07 (UTC)                      #
#                                                              #
# Terms Of Use: https://urlhaus.abuse.ch/api/                  #
# For questions please contact urlhaus [at] abuse.ch           #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"2840001","2024-05-02 10:04:11","http://42.224.68.54:56456/i","online","2024-05-02 10:04:11",\
"malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/2840001/","geenensp"
"2840000","2024-05-02 10:03:09","https://cdn.malware-drop.com/payload.exe","online",\
"2024-05-02 10:03:09","malware_download","exe","https://urlhaus.abuse.ch/url/2840000/","abuse_ch"
"2839999","2024-05-02 10:02:58","http://boleto-2via.com.br/boleto.zip","offline","",\
"malware_download","zip","https://urlhaus.abuse.ch/url/2839999/","lrz_urlhaus"
""".replace("\\\n", "")

# Shaped like http://data.phishtank.com/data/online-valid.csv
PHISHTANK = """\
phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target
8541201,https://login-itau.example-seguro.com/acesso,\
http://www.phishtank.com/phish_detail.php?phish_id=8541201,2024-05-01T21:15:04+00:00,yes,\
2024-05-01T21:20:11+00:00,yes,Other
8541199,"http://nubank-fatura.com/?a=1,2",\
http://www.phishtank.com/phish_detail.php?phish_id=8541199,2024-05-01T21:10:44+00:00,yes,\
2024-05-01T21:19:32+00:00,yes,Nubank
""".replace("\\\n", "")


def test_plain_list_reads_domains_and_urls_ignoring_comments_and_blank_lines() -> None:
    parsed = parse_blocklist(PLAIN, "plain")
    assert parsed.domains == {
        "evil.com",
        "phish.example.com.br",
        "www.golpe.com.br",
        "42.224.68.54",
    }
    assert parsed.skipped == []
    assert parsed.fmt == "plain"


def test_url_host_is_kept_not_widened_to_its_registrable_domain() -> None:
    parsed = parse_blocklist("http://evil.example.com/x\n", "plain")
    assert parsed.domains == {"evil.example.com"}


def test_bare_registrable_domain_is_kept_as_is() -> None:
    assert parse_blocklist("https://evil.com/x\n", "plain").domains == {"evil.com"}


def test_hash_inside_a_url_is_its_fragment_not_a_comment() -> None:
    assert parse_blocklist("https://evil.com/#/login\n", "plain").domains == {"evil.com"}


def test_urlhaus_csv_gives_the_host_of_every_url() -> None:
    parsed = parse_blocklist(URLHAUS, "urlhaus")
    assert parsed.domains == {"42.224.68.54", "cdn.malware-drop.com", "boleto-2via.com.br"}
    assert parsed.skipped == []


def test_urlhaus_csv_with_the_older_eight_column_header_is_read_by_its_header() -> None:
    text = (
        "# id,dateadded,url,url_status,threat,tags,urlhaus_link,reporter\n"
        '"1","2019-01-01 00:00:00","http://old.evil.com/a","offline","malware_download",'
        '"exe","https://urlhaus.abuse.ch/url/1/","x"\n'
    )
    parsed = parse_blocklist(text, "urlhaus")
    assert parsed.domains == {"old.evil.com"}
    assert parsed.skipped == []


def test_phishtank_csv_gives_the_host_of_every_url_even_with_a_comma_inside() -> None:
    parsed = parse_blocklist(PHISHTANK, "phishtank")
    assert parsed.domains == {"login-itau.example-seguro.com", "nubank-fatura.com"}
    assert parsed.skipped == []


@pytest.mark.parametrize(
    ("text", "fmt"),
    [(PLAIN, "plain"), (URLHAUS, "urlhaus"), (PHISHTANK, "phishtank")],
)
def test_auto_detects_the_format_from_the_content(text: str, fmt: str) -> None:
    parsed = parse_blocklist(text)
    assert parsed.fmt == fmt
    assert parsed.domains == parse_blocklist(text, fmt).domains


def test_auto_detects_urlhaus_rows_whose_header_comment_was_cut_off() -> None:
    rows = "\n".join(URLHAUS.splitlines()[9:])
    assert parse_blocklist(rows).fmt == "urlhaus"


def test_auto_detects_phishtank_after_a_byte_order_mark() -> None:
    parsed = parse_blocklist("\ufeff" + PHISHTANK)
    assert parsed.fmt == "phishtank"
    assert "nubank-fatura.com" in parsed.domains


def test_urlhaus_plain_text_export_is_a_plain_list() -> None:
    text = "# abuse.ch URLhaus Database Dump (recent URLs)\n#\nhttp://evil.com/a.exe\n"
    parsed = parse_blocklist(text)
    assert (parsed.fmt, parsed.domains) == ("plain", frozenset({"evil.com"}))


def test_empty_feed_blocks_nothing() -> None:
    parsed = parse_blocklist("")
    assert (parsed.domains, parsed.skipped) == (frozenset(), [])


def test_plain_list_reports_malformed_lines_with_their_line_numbers() -> None:
    text = "evil.com\narquivo.txt\n\nduas coisas.com aqui.com\nhttp://localhost/x\nok.com.br\n"
    parsed = parse_blocklist(text, "plain")
    assert parsed.domains == {"evil.com", "ok.com.br"}
    assert [number for number, _ in parsed.skipped] == [2, 4, 5]
    assert "arquivo.txt" in parsed.skipped[0][1]


def test_urlhaus_reports_rows_with_missing_columns_or_bad_urls_with_their_line_numbers() -> None:
    lines = URLHAUS.splitlines()
    lines.insert(10, '"2840002","2024-05-02 10:04:30","http://truncated.com/a"')
    lines.insert(11, '"2840003","2024-05-02","not a url","online","","x","","y","z"')
    lines.insert(12, '"2840004","2024-05-02",oops"quote","online","","x","","y","z"')
    parsed = parse_blocklist("\n".join(lines), "urlhaus")
    assert [number for number, _ in parsed.skipped] == [11, 12, 13]
    assert "3 colunas, esperadas 9 / 3 columns, expected 9" in parsed.skipped[0][1]
    assert "cdn.malware-drop.com" in parsed.domains
    assert "truncated.com" not in parsed.domains


def test_phishtank_reports_rows_with_missing_columns_with_their_line_numbers() -> None:
    text = PHISHTANK + "8541100,https://short.row.com/\n"
    parsed = parse_blocklist(text, "phishtank")
    assert [number for number, _ in parsed.skipped] == [4]
    assert "short.row.com" not in parsed.domains


def test_unknown_format_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="unknown format") as error:
        parse_blocklist("evil.com", "hosts")
    assert "formato desconhecido" in str(error.value)
    for fmt in FORMATS:
        assert fmt in str(error.value)


@given(st.text(), st.sampled_from(FORMATS))
def test_any_text_parses_without_raising(text: str, fmt: str) -> None:
    parsed = parse_blocklist(text, fmt)
    assert all(domain == domain.lower() for domain in parsed.domains)
    assert all(1 <= number <= max(1, len(text.splitlines())) for number, _ in parsed.skipped)
