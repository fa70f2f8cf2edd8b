"""One sentence per decision, in pt-BR and en, built from its findings."""

from __future__ import annotations

from zapguard.domain.models import Decision, Severity, Verdict
from zapguard.policy.catalogue import when_en, when_pt

__all__ = ["summary"]

_WEIGHT = {Severity.REJECT: 0, Severity.DEFER: 1, Severity.WARN: 2, Severity.INFO: 3}

_HEAD_PT = {
    Verdict.ALLOW: "Permitido",
    Verdict.REROUTE: "Redirecionado",
    Verdict.DEFER: "Adiado",
    Verdict.REJECT: "Rejeitado",
}
_HEAD_EN = {
    Verdict.ALLOW: "Allowed",
    Verdict.REROUTE: "Rerouted",
    Verdict.DEFER: "Deferred",
    Verdict.REJECT: "Rejected",
}


def summary(decision: Decision) -> tuple[str, str]:
    """``(pt, en)``: the verdict, where and when it goes, then each finding, gravest first."""
    head_pt, head_en = _HEAD_PT[decision.verdict], _HEAD_EN[decision.verdict]
    if decision.verdict is Verdict.REROUTE or (
        decision.verdict is Verdict.DEFER and decision.line and _moved(decision)
    ):
        head_pt += f" para a linha {decision.line}"
        head_en += f" to line {decision.line}"
    if decision.not_before is not None:
        head_pt += f" até {when_pt(decision.not_before)}"
        head_en += f" until {when_en(decision.not_before)}"
    ordered = sorted(decision.findings, key=lambda f: (_WEIGHT[f.severity], f.code))
    if not ordered:
        return f"{head_pt}: nenhuma regra disparou.", f"{head_en}: no rule fired."
    pt = " ".join(f"[{f.code}] {f.message_pt}" for f in ordered)
    en = " ".join(f"[{f.code}] {f.message_en}" for f in ordered)
    return f"{head_pt}. {pt}", f"{head_en}. {en}"


def _moved(decision: Decision) -> bool:
    return any(f.line not in (None, decision.line) for f in decision.findings)
