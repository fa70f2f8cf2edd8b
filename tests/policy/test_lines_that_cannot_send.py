"""A line the gateway cannot send on (no provider, or one this server does not have) is never chosen
for a pool nor as a reroute: the snapshot says so (``LineView.can_send``); the policy stays pure."""

import pytest

from zapguard.domain.models import Category, Verdict
from zapguard.policy.context import PolicyInputError
from zapguard.policy.snapshot import ContactView

from .builders import CONTACT, NOW, Scene, campaign_line, line, opted_in, view, wrote_to
from .test_volume import _busy


def test_a_full_line_is_not_rerouted_onto_a_pool_line_that_cannot_send():
    scene = Scene(
        lines=[
            _busy(6000),
            view(line("replayed", phone="+5511912340021", pool="receptive"), can_send=False),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("recv", "replayed")),
    )

    decision = scene.decide()

    assert (decision.verdict, decision.line) == (Verdict.DEFER, "recv")
    assert decision.codes == ["ZG501"]


def test_a_campaign_from_a_receptive_line_is_not_rerouted_onto_a_campaign_line_that_cannot_send():
    scene = Scene(
        lines=[view(line()), view(campaign_line(), can_send=False)],
        contact=ContactView(CONTACT, consent=opted_in(), conversations=wrote_to("recv")),
    )

    decision = scene.decide(category=Category.MARKETING, text="Promoção de março!")

    assert decision.verdict is Verdict.REJECT
    assert decision.line == "recv"


def test_a_pool_message_goes_to_a_line_that_can_send_even_with_less_headroom():
    scene = Scene(
        lines=[
            view(line("a-replayed", pool="sac"), can_send=False),
            view(line("b-live", phone="+5511912340021", pool="sac"), sent_in_window=3000),
        ],
        contact=ContactView(CONTACT, conversations=wrote_to("a-replayed", "b-live")),
    )

    decision = scene.decide(line=None, pool="sac")

    assert (decision.verdict, decision.line) == (Verdict.ALLOW, "b-live")


def test_a_pool_whose_lines_cannot_send_is_an_input_error_naming_it():
    scene = Scene(lines=[view(line("a-replayed", pool="sac"), can_send=False)])

    with pytest.raises(PolicyInputError, match="sac"):
        scene.decide(line=None, pool="sac", now=NOW)


def test_a_line_that_cannot_send_is_still_judged_when_named():
    """Judging a log (replay) or advising names such lines; the gateway refuses to queue on them
    before deciding (see tests/api/test_api_line_without_provider.py)."""
    scene = Scene(lines=[view(line(), can_send=False)])

    assert scene.decide().verdict is Verdict.ALLOW
