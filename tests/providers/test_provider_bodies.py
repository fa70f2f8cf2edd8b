"""The body rules of administrative calls: allowlists that answer any JSON with a reason or nothing,
never an exception, and refuse a field they do not know wherever it sits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zapguard.providers.bodies import BodyRefused, Rule, check_body
from zapguard.providers.cloud import routes as cloud_routes
from zapguard.providers.evolution import routes as evolution_routes
from zapguard.providers.waha import routes as waha_routes

RULES = {
    "evolution instance": evolution_routes.INSTANCE_BODY,
    "evolution settings": evolution_routes.SETTINGS_BODY,
    "waha session": waha_routes.SESSION_BODY,
    "waha app": waha_routes.APP_BODY,
    "cloud settings": cloud_routes.SETTINGS_BODY,
}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
KNOWN_KEYS = st.sampled_from(
    ["msgCall", "chatwootUrl", "apps", "app", "config", "calling", "sip", "dm", "message", "name"]
)
BODIES = st.dictionaries(KNOWN_KEYS | st.text(max_size=12), JSON, max_size=6)


@pytest.mark.parametrize("name", list(RULES))
@given(body=BODIES)
def test_a_rule_answers_any_json_body_with_a_reason_or_nothing(name: str, body: Any) -> None:
    problem = check_body(RULES[name], body, "default")

    assert problem is None or (isinstance(problem, BodyRefused) and problem.pt and problem.en)


@pytest.mark.parametrize(
    ("rule", "body", "field"),
    [
        (evolution_routes.INSTANCE_BODY, {"instanceName": "x", "Msgcall": "oi"}, "Msgcall"),
        (evolution_routes.SETTINGS_BODY, {"constructor": {"msgCall": "oi"}}, "constructor"),
        (waha_routes.SESSION_BODY, {"config": {"gows": {}}}, "config.gows"),
        (cloud_routes.SETTINGS_BODY, {"calling": {"sip": {"mode": "x"}}}, "calling.sip.mode"),
    ],
)
def test_an_unknown_field_is_refused_by_its_path(rule: Rule, body: Any, field: str) -> None:
    problem = check_body(rule, body, "default")

    assert problem is not None and problem.field == field
    assert "desconhecido" in problem.pt and "unknown" in problem.en


def test_the_first_item_that_answers_contacts_is_named_by_its_index() -> None:
    apps = [
        {"app": "brazilian-phone-numbers", "session": "default"},
        {"app": "calls", "config": {"group": {"message": "Ligue mais tarde"}}},
    ]

    problem = check_body(waha_routes.SESSION_BODY, {"apps": apps}, "default")

    assert problem is not None and problem.field == "apps[1].config.group.message"
