"""Links in message texts are found the way WhatsApp finds them (ZG701-ZG703)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zapguard.domain.links import Link, blocked_by, find_links, parse_link


def only_link(text: str) -> Link:
    links = find_links(text)
    assert len(links) == 1, links
    return links[0]


def test_https_url_is_a_link_with_its_scheme_host_and_domain() -> None:
    assert only_link("https://x.com/a") == Link(
        raw="https://x.com/a", url="https://x.com/a", scheme="https", host="x.com", domain="x.com"
    )


def test_http_url_without_path_is_a_link() -> None:
    link = only_link("http://x.com")
    assert (link.url, link.scheme, link.host) == ("http://x.com", "http", "x.com")


def test_www_link_without_scheme_has_no_scheme() -> None:
    link = only_link("www.x.com.br/promo")
    assert (link.url, link.scheme, link.host, link.domain) == (
        "www.x.com.br/promo",
        None,
        "www.x.com.br",
        "x.com.br",
    )


def test_bare_domain_with_path_is_a_link() -> None:
    link = only_link("compre em loja.com.br/oferta hoje")
    assert (link.url, link.scheme, link.domain) == ("loja.com.br/oferta", None, "loja.com.br")


def test_upper_case_domain_is_a_link_with_lower_case_host() -> None:
    link = only_link("EXAMPLE.COM")
    assert (link.url, link.host, link.domain) == ("EXAMPLE.COM", "example.com", "example.com")


def test_upper_case_scheme_and_host_are_lower_cased_but_url_is_kept() -> None:
    link = only_link("HTTPS://WWW.Loja.COM.BR/Promo")
    assert (link.scheme, link.host, link.url) == (
        "https",
        "www.loja.com.br",
        "HTTPS://WWW.Loja.COM.BR/Promo",
    )


def test_subdomain_host_keeps_its_registrable_domain() -> None:
    link = only_link("https://a.b.evil.com.br/x")
    assert (link.host, link.domain) == ("a.b.evil.com.br", "evil.com.br")


@pytest.mark.parametrize(
    "text",
    ["ana@loja.com.br", "escreva para contato@www.loja.com.br.", "joao.com@gmail.com"],
)
def test_email_address_is_not_a_link(text: str) -> None:
    assert find_links(text) == []


def test_user_info_before_the_host_of_a_url_is_not_an_email() -> None:
    link = only_link("https://ana:segredo@evil.com/x")
    assert link.host == "evil.com"


def test_portuguese_sentence_ending_in_a_period_drops_the_period() -> None:
    link = only_link("Veja www.loja.com.br/promo.")
    assert (link.raw, link.url) == ("www.loja.com.br/promo.", "www.loja.com.br/promo")


def test_portuguese_exclamation_after_a_link_is_not_part_of_it() -> None:
    link = only_link("acesse http://exemplo.com.br!")
    assert (link.url, link.scheme, link.host) == ("http://exemplo.com.br", "http", "exemplo.com.br")


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://x.com/a,", "https://x.com/a"),
        ("https://x.com/a;", "https://x.com/a"),
        ("https://x.com/a:", "https://x.com/a"),
        ("https://x.com/a?", "https://x.com/a"),
        ("https://x.com/a...", "https://x.com/a"),
        ('"https://x.com/a"', "https://x.com/a"),
        ("'https://x.com/a'", "https://x.com/a"),
        ("[https://x.com/a]", "https://x.com/a"),
        ("{https://x.com/a}", "https://x.com/a"),
        ("x.com.", "x.com"),
        ("x.com!?", "x.com"),
    ],
)
def test_trailing_punctuation_is_stripped(text: str, url: str) -> None:
    assert only_link(text).url == url


def test_closing_parenthesis_is_dropped_when_the_link_did_not_open_it() -> None:
    assert only_link("(veja https://x.com/a)").url == "https://x.com/a"


def test_balanced_parentheses_inside_a_link_are_kept() -> None:
    text = "(https://pt.wikipedia.org/wiki/Rio_(cidade))"
    assert only_link(text).url == "https://pt.wikipedia.org/wiki/Rio_(cidade)"


def test_whatsapp_bold_and_italic_markers_are_not_part_of_a_link() -> None:
    assert [link.url for link in find_links("*www.loja.com.br* _loja.com.br_")] == [
        "www.loja.com.br",
        "loja.com.br",
    ]


def test_port_is_kept_in_url_but_not_in_host() -> None:
    link = only_link("http://loja.com.br:8080/carrinho")
    assert (link.url, link.host) == ("http://loja.com.br:8080/carrinho", "loja.com.br")


def test_path_query_and_fragment_are_part_of_the_link() -> None:
    link = only_link("https://loja.com.br/p/123?cupom=BLACK&utm=wa#topo ok")
    assert link.url == "https://loja.com.br/p/123?cupom=BLACK&utm=wa#topo"


def test_several_links_are_found_in_order() -> None:
    text = "Site: https://loja.com.br, promo em www.promo.com.br e suporte.loja.com.br/ajuda."
    assert [link.host for link in find_links(text)] == [
        "loja.com.br",
        "www.promo.com.br",
        "suporte.loja.com.br",
    ]


def test_idn_host_is_a_link() -> None:
    link = only_link("Visite https://café.com.br/cardápio")
    assert (link.host, link.domain) == ("café.com.br", "café.com.br")


def test_punycode_host_is_decoded_so_it_matches_its_unicode_form() -> None:
    assert only_link("http://xn--caf-dma.com.br").host == "café.com.br"


def test_non_latin_top_level_domain_is_a_link() -> None:
    assert only_link("exemplo.рф").domain == "exemplo.рф"


@pytest.mark.parametrize(
    "text",
    [
        "segue o arquivo.txt",
        "atualize para a versao1.2",
        "custa R$ 1.500,00",
        "pi vale 3.14",
        "abra http://localhost/teste",
        "nome.invalido",
        "fim de frase.Outra frase",
    ],
)
def test_word_with_a_dot_but_no_real_public_suffix_is_not_a_link(text: str) -> None:
    assert find_links(text) == []


def test_ip_address_url_keeps_the_ip_as_host_and_domain() -> None:
    link = only_link("http://42.224.68.54:56456/i")
    assert (link.host, link.domain) == ("42.224.68.54", "42.224.68.54")


def test_bare_dotted_number_without_port_or_path_is_not_a_link() -> None:
    assert find_links("versão 192.168.0.1") == []


def test_bare_ip_address_with_a_path_is_a_link() -> None:
    assert only_link("baixe de 10.0.0.1/app.apk").host == "10.0.0.1"


def test_non_http_scheme_is_reported_so_the_policy_can_reject_it() -> None:
    assert only_link("ftp://arquivos.loja.com.br/a").scheme == "ftp"


def test_text_without_links_gives_no_links() -> None:
    assert find_links("Olá, Ana! Seu pedido saiu para entrega.") == []


def test_parse_link_reads_a_whole_url_or_host() -> None:
    assert parse_link(" https://evil.example.com/x ") == Link(
        raw="https://evil.example.com/x",
        url="https://evil.example.com/x",
        scheme="https",
        host="evil.example.com",
        domain="example.com",
    )
    assert parse_link("1.2.3.4") is not None
    assert parse_link("not a url") is None
    assert parse_link("ana@loja.com.br") is None


def test_subdomain_of_a_blocked_domain_is_blocked() -> None:
    assert blocked_by("a.b.evil.com", frozenset({"evil.com"})) == "evil.com"


def test_blocked_host_itself_is_blocked() -> None:
    assert blocked_by("evil.com", frozenset({"evil.com"})) == "evil.com"


def test_blocking_a_subdomain_leaves_its_parent_domain_alone() -> None:
    assert blocked_by("example.com", frozenset({"evil.example.com"})) is None


def test_domain_merely_ending_with_a_blocked_name_is_not_blocked() -> None:
    assert blocked_by("notevil.com", frozenset({"evil.com"})) is None


def test_ip_address_is_blocked_only_by_itself() -> None:
    assert blocked_by("1.2.3.4", frozenset({"1.2.3.4"})) == "1.2.3.4"
    assert blocked_by("1.2.3.4", frozenset({"2.3.4", "3.4"})) is None


def test_links_found_in_a_message_can_be_checked_against_a_blocklist() -> None:
    blocked = frozenset({"evil.com"})
    hosts = [link.host for link in find_links("Ganhe já: https://premio.EVIL.com/x e www.ok.com")]
    assert [blocked_by(host, blocked) for host in hosts] == ["evil.com", None]


@given(st.text())
def test_find_links_never_raises_and_raw_text_comes_from_the_input(text: str) -> None:
    for link in find_links(text):
        assert link.raw in text
        assert link.raw.startswith(link.url)
        assert link.host


@given(
    st.lists(
        st.one_of(
            st.text(max_size=8),
            st.sampled_from(
                ["https://", "http://", "www.", ".com", ".com.br", "@", "(", ")", ":80", "/", "."]
            ),
            st.from_regex(r"[a-zA-Z0-9-]{1,10}\.(com|br|com\.br|txt|xn--p1ai)", fullmatch=True),
        ),
        max_size=12,
    ).map("".join)
)
def test_find_links_never_raises_on_url_like_text(text: str) -> None:
    for link in find_links(text):
        assert link.raw in text
        assert link.host == link.host.lower()
