"""Seed tip 7: HTTPS only, no spam-flagged domains, short links on the business's own domain."""

from zapguard.domain.models import Severity, Verdict

from .builders import Scene, config


def test_an_https_link_passes():
    assert Scene().decide(text="Acompanhe: https://loja.com.br/pedido/1").codes == []


def test_an_http_link_is_rejected():
    decision = Scene().decide(text="Veja http://loja.com.br/promo")
    assert (decision.verdict, decision.codes) == (Verdict.REJECT, ["ZG701"])


def test_a_link_without_scheme_is_a_warning():
    decision = Scene().decide(text="Veja www.loja.com.br/promo.")
    assert (decision.verdict, decision.codes) == (Verdict.ALLOW, ["ZG701"])
    assert decision.findings[0].severity is Severity.WARN


def test_a_link_to_a_blocked_domain_or_its_subdomain_is_rejected():
    scene = Scene(extra={"blocked_domains": frozenset({"golpe.com"})})
    for text in ["https://golpe.com/x", "https://pix.golpe.com/pagar", "HTTPS://PIX.GOLPE.COM"]:
        decision = scene.decide(text=text)
        assert (decision.verdict, decision.codes) == (Verdict.REJECT, ["ZG702"]), text


def test_blocked_domains_can_come_from_the_configuration():
    scene = Scene(config=config(links={"blocked_domains": ["golpe.com"]}))
    assert scene.decide(text="https://golpe.com").verdict is Verdict.REJECT


def test_a_similar_but_different_domain_is_not_blocked():
    scene = Scene(extra={"blocked_domains": frozenset({"golpe.com"})})
    assert scene.decide(text="https://naogolpe.com").verdict is Verdict.ALLOW


def test_a_public_shortener_is_a_warning():
    decision = Scene().decide(text="https://bit.ly/abc")
    assert (decision.verdict, decision.codes) == (Verdict.ALLOW, ["ZG703"])


def test_long_links_are_rewritten_through_the_configured_short_domain():
    long = "https://loja.com.br/produtos/categoria/camisetas?utm_source=whatsapp&utm_campaign=verao"
    scene = Scene(config=config(links={"short_domain": "lj.app"}))
    decision = scene.decide(text=f"Confira: {long}")
    assert decision.codes == ["ZG703"]
    assert decision.text is not None and decision.text.startswith("Confira: https://lj.app/")
    assert decision.short_links[0][1] == long


def test_no_rewrite_until_a_short_domain_is_configured():
    long = "https://loja.com.br/produtos/categoria/camisetas?utm_source=whatsapp&utm_campaign=verao"
    decision = Scene().decide(text=long)
    assert decision.text is None and decision.codes == []
