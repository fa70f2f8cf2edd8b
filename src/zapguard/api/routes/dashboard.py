"""The dashboard's home at ``/``: for now a page that says where things are (pt-BR first)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from zapguard.api.auth import authenticate
from zapguard.api.deps import ServicesDep
from zapguard.api.errors import ApiError

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="pt-BR">
<head><meta charset="utf-8"><title>zapguard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1b1f23}} code{{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}}
.en{{color:#57606a}}</style></head>
<body>
<h1>zapguard</h1>
<p>O zapguard está no ar e protege as linhas de WhatsApp desta empresa.
<span class="en">zapguard is running and guarding this business's WhatsApp lines.</span></p>
{lines}
<ul>
<li><a href="/docs">Documentação da API</a> <span class="en">/ API documentation</span></li>
<li><a href="/healthz">Saúde do serviço</a> <span class="en">/ service health</span></li>
</ul>
<p>O painel completo vem aqui. <span class="en">The full dashboard comes here.</span></p>
<p>Enviar uma mensagem pelo terminal: <span class="en">/ send a message from a terminal:</span></p>
<pre><code>{curl}</code></pre>
</body></html>
"""


_LINES = """<p>Linhas cadastradas: <strong id="line-count">{count}</strong>.
<span class="en">Registered lines.</span></p>"""


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep) -> HTMLResponse:
    # The page answers without a key; what a tenant holds is shown only to that tenant (or in the
    # keyless loopback demo).
    try:
        tenant = authenticate(request, services)
    except ApiError:
        lines = ""
    else:
        lines = _LINES.format(count=len(services.store.lines.of_tenant(tenant_id=tenant)))
    base = str(request.base_url).rstrip("/")
    curl = (
        f"curl -s {base}/v1/messages -H 'content-type: application/json' "
        """-d '{"to": "+5511912345678", "text": "Olá!", "line": "sac"}'"""
    )
    return HTMLResponse(_PAGE.format(lines=lines, curl=escape(curl)))
