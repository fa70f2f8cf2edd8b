"""A campaign's text: spintax, placeholders, links and variation, as checked at creation."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zapguard.campaigns.text import (
    MAX_DEPTH,
    Choice,
    Field,
    MissingField,
    TemplateError,
    Text,
    count_variants,
    missing_columns,
    parse,
    render,
    variants,
)
from zapguard.campaigns.text_checks import (
    check_links,
    check_pace,
    link_domains,
    read_blocked,
    top_share,
)
from zapguard.domain.models import Severity
from zapguard.policy.config import PolicyConfig, VolumeConfig

CONFIG = PolicyConfig()

# -- parsing ----------------------------------------------------------------------------------


def test_spintax_and_placeholders_parse_into_a_tree() -> None:
    template = parse("{Olá|Oi}, {{nome}}!")
    assert template.nodes == (
        Choice(((Text("Olá"),), (Text("Oi"),))),
        Text(", "),
        Field("nome"),
        Text("!"),
    )
    assert template.fields == ("nome",)


def test_nested_spintax_is_a_choice_inside_a_choice() -> None:
    template = parse("{Oi{ tudo bem|}|Olá}")
    (choice,) = template.nodes
    assert isinstance(choice, Choice)
    first, second = choice.options
    assert first == (Text("Oi"), Choice(((Text(" tudo bem"),), ())))
    assert second == (Text("Olá"),)


def test_a_double_brace_that_is_not_a_field_opens_nested_spintax() -> None:
    template = parse("{{a|b}|c}")
    assert sorted(variants(template)[0]) == ["a", "b", "c"]
    assert template.fields == ()


def test_placeholders_allow_spaces_inside_the_braces_and_are_listed_once() -> None:
    template = parse("{{ nome }} {{cidade}} {{nome}}")
    assert template.fields == ("nome", "cidade")


def test_escaped_braces_and_bars_are_plain_characters() -> None:
    template = parse(r"preço \{promo\} a\|b \\ ok | fim")
    assert render(template, {}, seed=1) == r"preço {promo} a|b \ ok | fim"


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("Olá {Maria|João", 1, 5),
        ("Olá\nbom dia }", 2, 9),
        ("{a|{b|c}", 1, 1),
        ("oi {nome}", 1, 4),
    ],
)
def test_unbalanced_or_empty_groups_are_errors_naming_line_and_column(
    source: str, line: int, column: int
) -> None:
    with pytest.raises(TemplateError) as raised:
        parse(source)
    assert (raised.value.line, raised.value.column) == (line, column)
    assert f"coluna {column}" in str(raised.value)
    assert f"column {column}" in str(raised.value)


def test_a_group_without_alternatives_points_to_the_placeholder_syntax() -> None:
    with pytest.raises(TemplateError, match=r"\{\{campo\}\}"):
        parse("Oi {nome}")


def test_nesting_deeper_than_the_limit_is_an_error_not_a_crash() -> None:
    deep = "{a|" * (MAX_DEPTH + 1) + "b" + "}" * (MAX_DEPTH + 1)
    with pytest.raises(TemplateError, match=str(MAX_DEPTH)):
        parse(deep)
    fine = "{a|" * MAX_DEPTH + "b" + "}" * MAX_DEPTH
    count = count_variants(parse(fine))
    assert (count.distinct, count.combinations) == (2, MAX_DEPTH + 1)


# -- rendering --------------------------------------------------------------------------------


def test_rendering_is_deterministic_for_a_seed() -> None:
    template = parse("{Olá|Oi|E aí|Bom dia}, {{nome}}! {Temos|Chegou} {novidade|oferta}.")
    fields = {"nome": "Ana"}
    first = [render(template, fields, seed=f"camp-1:+55119{n:08d}") for n in range(30)]
    again = [render(template, fields, seed=f"camp-1:+55119{n:08d}") for n in range(30)]
    assert first == again
    assert len(set(first)) > 1  # different contacts do get different texts


def test_placeholders_match_columns_ignoring_case_accents_and_separators() -> None:
    template = parse("Oi {{Nome}}, seu cupom é {{codigo_cupom}}")
    text = render(template, {"nome": "Zé", "Código-Cupom": "X1"}, seed=3)
    assert text == "Oi Zé, seu cupom é X1"


def test_a_missing_value_names_the_field_and_the_contact() -> None:
    template = parse("Oi {{nome}}, {{cidade}}")
    with pytest.raises(MissingField) as raised:
        render(template, {"nome": "Ana"}, seed=1, contact="+5511988887777", row=42)
    message = str(raised.value)
    assert "cidade" in message and "+5511988887777" in message and "42" in message
    assert raised.value.fields == ["cidade"]


def test_a_blank_value_is_missing_even_in_an_alternative_not_drawn() -> None:
    template = parse("{Oi {{nome}}|Olá}")
    for seed in range(10):
        with pytest.raises(MissingField):
            render(template, {"nome": "  "}, seed=seed)


def test_a_field_value_is_never_read_as_spintax() -> None:
    assert render(parse("Oi {{nome}}"), {"nome": "{A|B}"}, seed=1) == "Oi {A|B}"


def test_placeholders_no_column_answers_are_named_before_any_contact_is_seen() -> None:
    template = parse("Oi {{Nome}}, cupom {{cupom}} em {{cidade}}")
    assert missing_columns(template, ["nome", "Cidade", "telefone"]) == ["cupom"]
    assert missing_columns(template, ["NOME", "cupom", "cidade"]) == []


# -- variants ---------------------------------------------------------------------------------


def test_variants_are_counted_as_zg505_compares_texts() -> None:
    # "Oi" and "oi" fold to one text (case), as do "a  b" and "a b" (white space).
    template = parse("{Oi|oi|Olá} {a  b|a b|c}")
    assert count_variants(template).combinations == 9
    assert count_variants(template).distinct == 4
    assert sorted(variants(template)[0]) == sorted(
        ["Oi a  b", "Oi a b", "Oi c", "oi a  b", "oi a b", "oi c", "Olá a  b", "Olá a b", "Olá c"]
    )


def test_placeholders_are_not_counted_as_variation() -> None:
    template = parse("Oi {{nome}}")
    assert count_variants(template).distinct == 1


def test_counting_stops_at_the_limit_and_says_so() -> None:
    template = parse("{a|b}" * 20)  # 2**20 variants
    count = count_variants(template, limit=1000)
    assert (count.distinct, count.exact, count.combinations) == (1000, False, 2**20)


# -- links at creation (ZG701/702/703) ----------------------------------------------------------


def test_campaign_with_http_link_is_refused_at_creation() -> None:
    template = parse("{Veja|Confira} em {https://loja.com.br/a|http://loja.com.br/b}")
    findings = check_links(template, config=CONFIG, blocked=frozenset())
    (refusal,) = [f for f in findings if f.refuses]
    assert refusal.code == "ZG701"
    assert "http://loja.com.br/b" in refusal.message_pt
    assert refusal.why_pt and refusal.why_en
    assert refusal.variant is not None and "http://" in refusal.variant


def test_a_link_built_by_spintax_is_checked_in_every_variant() -> None:
    template = parse("Acesse http{s|}://loja.com.br")
    assert [f.code for f in check_links(template, config=CONFIG, blocked=frozenset())] == ["ZG701"]


def test_a_blocklisted_domain_in_any_variant_is_refused(sqlite_url: str) -> None:
    from datetime import UTC, datetime

    from zapguard.store.migrate import upgrade
    from zapguard.store.repository import Store

    upgrade(sqlite_url)
    store = Store(sqlite_url)
    try:
        store.blocklist.add(domains=["golpe.com.br"], source="test", at=datetime.now(UTC))
        template = parse("{Veja https://loja.com.br|Veja https://promo.golpe.com.br/x}")
        blocked = read_blocked(store, template)
    finally:
        store.close()
    assert blocked == frozenset({"golpe.com.br"})
    findings = check_links(template, config=CONFIG, blocked=blocked)
    assert [(f.code, f.refuses) for f in findings] == [("ZG702", True)]


def test_a_public_shortener_is_a_warning_and_a_bare_domain_too() -> None:
    template = parse("{https://bit.ly/x|loja.com.br}")
    findings = {f.code: f for f in check_links(template, config=CONFIG, blocked=frozenset())}
    assert set(findings) == {"ZG703", "ZG701"}
    assert not any(f.refuses for f in findings.values())
    assert findings["ZG701"].severity is Severity.WARN


def test_the_media_url_is_checked_like_the_text() -> None:
    findings = check_links(
        parse("Oi"), config=CONFIG, blocked=frozenset(), media_url="http://cdn.loja.com.br/a.jpg"
    )
    assert [(f.code, f.refuses) for f in findings] == [("ZG701", True)]


def test_link_domains_lists_hosts_and_parents() -> None:
    assert link_domains(["veja https://a.b.loja.com.br/x"]) == [
        "a.b.loja.com.br",
        "b.loja.com.br",
        "br",
        "com.br",
        "loja.com.br",
    ]


# -- identical text (ZG505) ----------------------------------------------------------------------


def test_too_few_variants_for_the_pace_warns_with_the_numbers() -> None:
    template = parse("{Olá|Oi} {{nome}}, {temos|chegou} novidade")  # 4 variants
    warning = check_pace(count_variants(template), sends_per_hour=60, volume=VolumeConfig())
    assert warning is not None and warning.code == "ZG505"
    assert warning.severity is Severity.WARN
    # 4 variants x 3 identical an hour = 12 sends an hour; 60 an hour needs 20 variants.
    assert "12" in warning.message_en and "20" in warning.message_en and "60" in warning.message_en


def test_enough_variants_for_the_pace_raise_no_warning() -> None:
    template = parse("{a|b|c|d|e}{1|2|3|4}")  # 20 variants x 3 = 60 an hour
    assert check_pace(count_variants(template), sends_per_hour=60, volume=VolumeConfig()) is None
    assert check_pace(count_variants(template), sends_per_hour=61, volume=VolumeConfig())


# -- properties -------------------------------------------------------------------------------

_WORDS = st.text(alphabet="abcxyz ,.!áé", min_size=0, max_size=6)


def _template(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(_WORDS, st.sampled_from(["{{nome}}", "{{cidade}}"]))
    if depth == 0:
        return leaf
    group = st.lists(_template(depth - 1), min_size=2, max_size=3).map(
        lambda options: "{" + "|".join(options) + "}"
    )
    return st.lists(st.one_of(leaf, group), min_size=1, max_size=3).map("".join)


_FIELDS = {"nome": "Ana", "cidade": "Manaus"}


@settings(max_examples=200, deadline=None)
@given(source=_template(3), seed=st.integers())
def test_every_rendering_is_one_of_the_enumerated_variants(source: str, seed: int) -> None:
    template = parse(source)
    texts, complete = variants(template, _FIELDS)
    assume(complete)  # beyond the enumeration limit there is nothing to compare with
    assert render(template, _FIELDS, seed=seed) in texts


@settings(max_examples=200, deadline=None)
@given(source=_template(3), seed=st.integers())
def test_valid_templates_leave_no_braces_in_the_output(source: str, seed: int) -> None:
    text = render(parse(source), _FIELDS, seed=seed)
    assert "{" not in text and "}" not in text


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(min_value=1, max_value=MAX_DEPTH), seed=st.integers())
def test_nested_spintax_renders_at_any_depth(depth: int, seed: int) -> None:
    source = "{x|" * depth + "y" + "}" * depth
    template = parse(source)
    assert count_variants(template).distinct == 2
    assert render(template, {}, seed=seed) in {"x", "y"}


@settings(max_examples=100, deadline=None)
@given(source=_template(3))
def test_the_distinct_count_never_exceeds_the_combinations(source: str) -> None:
    count = count_variants(parse(source))
    assert 1 <= count.distinct <= count.combinations


def test_only_contacts_with_the_same_field_values_can_get_identical_texts() -> None:
    template = parse("{Olá|Oi} {{nome}}, {temos|chegou} novidade")  # 4 variants: 12 alike an hour
    rows = [{"Nome": "Maria"}] * 10 + [{"nome": f"Pessoa {n}"} for n in range(90)]
    share = top_share(template, rows)
    assert share == 0.1  # one contact in ten is a Maria
    count = count_variants(template)
    # 100 sends an hour: 10 go to Marias, under the 12 that 4 variants carry.
    assert check_pace(count, sends_per_hour=100, volume=VolumeConfig(), top_share=share) is None
    warning = check_pace(count, sends_per_hour=200, volume=VolumeConfig(), top_share=share)
    assert (
        warning is not None
        and "10%" in warning.message_pt
        and "use at least 7" in warning.message_en
    )


def test_names_are_folded_like_zg505_folds_texts() -> None:
    template = parse("Oi {{nome}}")
    rows = [{"nome": "MARIA "}, {"nome": "maria"}, {"nome": "João"}, {"nome": "Ana"}]
    assert top_share(template, rows) == 0.5
    assert top_share(parse("Oi"), rows) == 1.0


def test_domains_blocked_in_the_configuration_refuse_too() -> None:
    config = PolicyConfig.model_validate({"links": {"blocked_domains": ["spam.com.br"]}})
    findings = check_links(parse("Veja https://x.spam.com.br"), config=config, blocked=frozenset())
    assert [(f.code, f.refuses) for f in findings] == [("ZG702", True)]


def test_a_text_too_varied_to_check_its_links_is_refused_only_if_it_can_hold_one() -> None:
    huge = "{a|b|c|d|e|f|g|h|i|j}" * 6  # a million variants
    with pytest.raises(TemplateError, match="simplifique o spintax"):
        check_links(parse(huge + " https://loja.com.br"), config=CONFIG, blocked=frozenset())
    assert check_links(parse(huge + " sem links"), config=CONFIG, blocked=frozenset()) == []
