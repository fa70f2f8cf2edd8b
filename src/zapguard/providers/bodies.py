"""Rules for the JSON body of an administrative call: deny-by-default one level below the routes.

Some administrative calls are harmless or harmful depending on their body: creating an Evolution
instance is fine, creating it with its Chatwoot integration on makes Evolution answer contacts by
itself, around the rules. A route that can do that carries a :data:`Rule` for its body; the call
passes only when the rule finds nothing against it.

The rules are allowlists, not blocklists: every field must be known, and a known field's value must
be one that delivers nothing by itself. An unknown field is refused too, because the servers behind
the surfaces read more than their documented fields. Evolution copies the body onto an object with
``Object.assign`` (``RouterBroker.dataValidate`` in ``src/api/abstract/abstract.router.ts``); JSON
parsing keeps a ``"__proto__"`` key as an own property, and ``Object.assign`` then *sets the
prototype* from it, so ``{"__proto__": {"msgCall": "..."}}`` gives the instance a ``msgCall`` no
blocklist of field names would have seen. An allowlist refuses that key like any unknown one.

A rule takes the value, where it sits in the body (``config.webhooks[0]``) and the provider's name
for the line the call is bound to; it returns the first :class:`BodyRefused` it finds, or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BodyRefused",
    "Rule",
    "anything",
    "check_body",
    "each",
    "empty",
    "fields",
    "off",
    "one_of",
    "refused_unless",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class BodyRefused:
    """Why a body is refused: the field (a path in the body) and the reason, pt-BR and English."""

    field: str
    pt: str
    en: str


Rule = Callable[[Any, str, str], BodyRefused | None]
"""``rule(value, where, account)``: what is wrong with ``value`` at ``where``, if anything."""


def anything(value: Any, where: str, account: str) -> BodyRefused | None:
    """A field whose every value is harmless."""
    return None


def unknown(value: Any, where: str, account: str) -> BodyRefused:
    """A field zapguard does not know: refused, whatever its value."""
    return BodyRefused(
        where,
        f"campo {where} desconhecido: o zapguard só repassa campos que sabe serem inofensivos",
        f"unknown field {where}: zapguard passes on only fields it knows to be harmless",
    )


def fields(known: Mapping[str, Rule]) -> Rule:
    """A JSON object (or ``null``) whose fields are all in ``known``, each passing its rule."""

    def check(value: Any, where: str, account: str) -> BodyRefused | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            return BodyRefused(
                where or "corpo",
                f"{where or 'o corpo'} deve ser um objeto JSON",
                f"{where or 'the body'} must be a JSON object",
            )
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            problem = known.get(key, unknown)(item, inner, account)
            if problem is not None:
                return problem
        return None

    return check


def each(rule: Rule) -> Rule:
    """A JSON array (or ``null``) whose every item passes ``rule``."""

    def check(value: Any, where: str, account: str) -> BodyRefused | None:
        if value is None:
            return None
        if not isinstance(value, list):
            return BodyRefused(where, f"{where} deve ser uma lista", f"{where} must be a list")
        for index, item in enumerate(value):
            problem = rule(item, f"{where}[{index}]", account)
            if problem is not None:
                return problem
        return None

    return check


def refused_unless(allowed: Callable[[Any], bool], pt: str, en: str) -> Rule:
    """A field that passes only with the values ``allowed`` accepts; ``pt``/``en`` say what the
    other values would do."""

    def check(value: Any, where: str, account: str) -> BodyRefused | None:
        if allowed(value):
            return None
        return BodyRefused(where, f"{where}: {pt}", f"{where}: {en}")

    return check


def empty(pt: str, en: str) -> Rule:
    """A text that must be left out or empty (a message the provider would send by itself)."""
    return refused_unless(lambda value: value is None or value == "", pt, en)


def off(pt: str, en: str) -> Rule:
    """A switch that must be left out or off (``false``, ``null``, ``""``, ``0``)."""
    return refused_unless(lambda value: value in (None, False, "", 0), pt, en)


def one_of(values: frozenset[str], pt: str, en: str) -> Rule:
    """A field left out or holding one of ``values``."""
    return refused_unless(
        lambda value: value is None or (isinstance(value, str) and value in values), pt, en
    )


def check_body(rule: Rule, body: Mapping[str, Any], account: str) -> BodyRefused | None:
    """Apply a route's body rule to the whole body."""
    return rule(dict(body), "", account)
