"""The audit's HTML report: one self-contained file (inline CSS, charts as inline SVG drawn here, no
script, no external URL), pt-BR first with English beside. Everything quoted from a file is escaped:
a message holding ``<script>`` is shown, never run."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:72rem;color:#1d2329}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccd}
.en{color:#5a6570;font-style:italic}
.risk{display:inline-block;padding:.3rem .8rem;border-radius:1rem;font-weight:bold;color:#fff}
.baixo{background:#2e7d32}.médio{background:#ef8f00}.alto{background:#c62828}
table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border:1px solid #d5d9de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.n{text-align:right}
blockquote{margin:.3rem 0;padding:.3rem .6rem;border-left:3px solid #99a;background:#f7f7fa;
white-space:pre-wrap;word-break:break-word}
svg{max-width:100%;height:auto;background:#fafbfc;border:1px solid #e3e6ea}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def render_html(report: dict[str, Any]) -> str:
    """The report for ``report`` (the audit's JSON twin)."""
    risk = str(report["risk"])
    risk_en = {"baixo": "low", "médio": "medium", "alto": "high"}[risk]
    parts = [
        "<!doctype html>",
        '<html lang="pt-BR"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Auditoria zapguard / zapguard audit</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Auditoria de conversas do WhatsApp <span class=en>/ WhatsApp chat audit</span></h1>",
        f'<p>Risco de banimento <span class=en>/ ban risk</span>: <span class="risk {_e(risk)}">'
        f"{_e(risk)} / {_e(risk_en)}</span></p>",
        _actions(report["top_actions"]),
        _files(report["files"]),
        _per_day(report["per_day"], int(report["daily_cap"])),
        _findings(report["findings"]),
        _summary(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _actions(actions: list[dict[str, str]]) -> str:
    items = "".join(
        f"<li><b>{_e(a['code'])}</b> {_e(a['pt'])}<br><span class=en>{_e(a['en'])}</span></li>"
        for a in actions
    )
    return f"<h2>O que fazer primeiro <span class=en>/ What to do first</span></h2><ol>{items}</ol>"


def _files(files: list[dict[str, Any]]) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{_e(f['file'])}</td><td>{_e(f['format'])}</td><td class=n>{f['messages']}</td>"
        f"<td class=n>{f['system_lines']}</td><td class=n>{f['media']}</td>"
        f"<td class=n>{f['deleted']}</td><td>{_e(f['business'])}</td>"
        f"<td>{_e(', '.join(f['authors']))}</td><td class=n>{len(f['links'])}</td>"
        "</tr>"
        for f in files
    )
    return (
        "<h2>Arquivos <span class=en>/ Files</span></h2><table><tr>"
        "<th>arquivo / file</th><th>formato / format</th><th>mensagens / messages</th>"
        "<th>linhas de sistema / system lines</th><th>mídia / media</th>"
        "<th>apagadas / deleted</th><th>empresa / business</th><th>autores / authors</th>"
        f"<th>links</th></tr>{rows}</table>"
    )


def _per_day(days: list[dict[str, Any]], cap: int) -> str:
    title = (
        "<h2>Mensagens da empresa por dia, contra o limite "
        "<span class=en>/ Business messages per day against the cap</span></h2>"
    )
    if not days:
        return title + "<p>Nenhuma mensagem da empresa. <span class=en>/ No business message."
    counts = [int(d["business"]) for d in days]
    busiest = max(counts)
    # The scale follows the busiest day; the cap is drawn when it fits, else named above the bars
    # (a cap of 6,000 would flatten a few dozen messages a day to nothing).
    top = max(busiest, 1) * 1.15
    width, height, left, bottom = 900, 260, 50, 30
    plot_w, plot_h = width - left - 10, height - bottom - 10
    bar = plot_w / len(days)
    bars = []
    for index, (day, count) in enumerate(zip(days, counts, strict=True)):
        h = plot_h * min(count, top) / top
        x = left + index * bar
        color = "#c62828" if count > cap else "#1565c0"
        bars.append(
            f'<rect x="{x:.1f}" y="{10 + plot_h - h:.1f}" width="{max(bar - 1, 0.5):.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{_e(day["day"])}: {count}</title></rect>'
        )
    if cap <= top:
        cap_y = 10 + plot_h - plot_h * cap / top
        cap_mark = (
            f'<line x1="{left}" x2="{width - 10}" y1="{cap_y:.1f}" y2="{cap_y:.1f}" '
            f'stroke="#c62828" stroke-dasharray="6 4"/>'
            f'<text x="{left + 4}" y="{cap_y - 4:.1f}" font-size="12" fill="#c62828">'
            f"limite / cap {cap}</text>"
        )
    else:
        cap_mark = (
            f'<text x="{width - 14}" y="24" font-size="12" fill="#c62828" text-anchor="end">'
            f"limite / cap {cap} (acima da escala / above the scale)</text>"
        )
    first, last = date.fromisoformat(days[0]["day"]), date.fromisoformat(days[-1]["day"])
    svg = (
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="mensagens por dia / messages per day">'
        f"{''.join(bars)}{cap_mark}"
        f'<text x="{left}" y="{height - 8}" font-size="12">{first.isoformat()}</text>'
        f'<text x="{width - 10}" y="{height - 8}" font-size="12" text-anchor="end">'
        f"{last.isoformat()}</text>"
        f'<text x="4" y="20" font-size="12">{busiest}</text></svg>'
    )
    over = sum(1 for c in counts if c > cap)
    return (
        f"{title}{svg}<p>{len(days)} dias com mensagens, no máximo {busiest} mensagens num dia; {over} dias acima "
        f"do limite de {cap}. <span class=en>/ {len(days)} days with messages, at most {busiest} messages a "
        f"day; {over} days over the cap of {cap}.</span></p>"
    )


def _findings(findings: list[dict[str, Any]]) -> str:
    title = "<h2>Achados por regra <span class=en>/ Findings by rule</span></h2>"
    if not findings:
        return title + "<p>Nenhuma regra disparou. <span class=en>/ No rule fired.</span></p>"
    most = max(f["count"] for f in findings)
    row_h, width, label = 24, 900, 80
    bars = "".join(
        f'<text x="4" y="{i * row_h + 17}" font-size="13">{_e(f["code"])}</text>'
        f'<rect x="{label}" y="{i * row_h + 4}" height="{row_h - 8}" '
        f'width="{(width - label - 60) * f["count"] / most:.1f}" fill="#ef8f00"/>'
        f'<text x="{label + 4 + (width - label - 60) * f["count"] / most:.1f}" '
        f'y="{i * row_h + 17}" font-size="12">{f["count"]}</text>'
        for i, f in enumerate(findings)
    )
    chart = (
        f'<svg viewBox="0 0 {width} {row_h * len(findings) + 4}"'
        f' role="img" aria-label="achados / findings">{bars}</svg>'
    )
    sections = []
    for f in findings:
        quotes = "".join(
            f"<li>{_e(x.get('file'))}, linha / line {_e(x.get('line'))}, {_e(x.get('at'))}, "
            f"{_e(x.get('author'))} ({_e(x.get('verdict'))}):<blockquote>{_e(x.get('text'))}"
            f"</blockquote>{_e(x.get('message_pt'))}<br><span class=en>"
            f"{_e(x.get('message_en'))}</span></li>"
            for x in f["examples"]
        )
        sections.append(
            f"<h3>{_e(f['code'])} — {_e(f['title_pt'])} <span class=en>/ {_e(f['title_en'])}"
            f"</span>: {f['count']}</h3><ul>{quotes}</ul>"
        )
    return title + chart + "".join(sections)


def _summary(report: dict[str, Any]) -> str:
    verdicts = report["verdicts"]
    ratio = report["reply_ratio"]
    return (
        "<h2>Replay pela política <span class=en>/ Replay through the policy</span></h2>"
        f"<p>{report['business_messages']} mensagens da empresa, {report['contact_messages']} "
        f"dos contatos; respostas por mensagem da empresa: {_e(ratio)}. Vereditos: "
        f"{_e(', '.join(f'{k} {v}' for k, v in sorted(verdicts.items())) or '-')}.<br>"
        f"<span class=en>{report['business_messages']} business messages, "
        f"{report['contact_messages']} from contacts; replies per business message: "
        f"{_e(ratio)}.</span></p>"
    )
