"""The quota as a property: whatever the interleaving of sends and clock moves, no rolling 24 h window
holds more sends than the cap, a reply is held back only when the window is full (and until exactly
when its oldest send leaves), and a message that does not go out reserves nothing."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from gateway_scene import DAY, NOW, TENANT, contact, line, message, open_gateway
from hypothesis import given, settings
from hypothesis import strategies as st

from zapguard.domain.models import Category, Verdict
from zapguard.store import upgrade

SEND = "reply"
PROMOTE = "marketing without consent"

steps = st.lists(
    st.one_of(
        st.just(SEND),
        st.just(PROMOTE),
        st.integers(min_value=1, max_value=30 * 3600),  # the clock moves on, 1 s to 30 h
        st.sampled_from([DAY // timedelta(seconds=1), DAY // timedelta(seconds=1) - 1]),
    ),
    max_size=24,
)


def in_window(sent: list[datetime], now: datetime) -> list[datetime]:
    """The sends a rolling window ending at ``now`` holds: after ``now - 24 h``, up to ``now``."""
    return sorted(at for at in sent if now - DAY < at <= now)


@settings(max_examples=40, deadline=None)
@given(cap=st.integers(min_value=1, max_value=4), steps=steps)
def test_no_interleaving_of_sends_and_clock_moves_exceeds_the_cap(
    cap: int, steps: list[str | int]
) -> None:
    customer = contact(1)
    with tempfile.TemporaryDirectory(prefix="zapguard-quota-") as folder:
        url = f"sqlite:///{Path(folder) / 'quota.db'}"
        upgrade(url)
        gateway = open_gateway(url, counters_url="memory://")
        try:
            gateway.register(line("sac", "+5511912340001", daily_cap=cap))
            start = NOW - timedelta(hours=1)
            gateway.events.inbound(
                tenant=TENANT, line_id="sac", contact=customer, at=start, text="Oi"
            )
            now, sent = NOW, []
            for step in steps:
                if isinstance(step, int):
                    now += timedelta(seconds=step)
                    continue
                before = gateway.used("sac", start)
                held = in_window(sent, now)
                if step == SEND:
                    decision = gateway.decider.submit(message(customer, "sac"), now)
                    if len(held) < cap:
                        assert decision.verdict is Verdict.ALLOW, decision
                        sent.append(now)
                    else:
                        assert decision.verdict is Verdict.DEFER, decision
                        assert decision.codes == ["ZG501"]
                        assert decision.not_before == held[len(held) - cap] + DAY
                else:
                    promotion = message(customer, "sac", Category.MARKETING, text="20% off!")
                    decision = gateway.decider.submit(promotion, now)
                    assert decision.verdict is Verdict.REJECT, decision
                    assert "ZG201" in decision.codes
                expected = before + (decision.verdict is Verdict.ALLOW)
                assert gateway.used("sac", start) == expected
                assert gateway.used("sac", now - DAY) == len(in_window(sent, now))
                assert all(len(in_window(sent, at)) <= cap for at in sent)
        finally:
            gateway.close()
