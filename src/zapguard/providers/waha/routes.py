"""WAHA's published routes, classified (see :mod:`zapguard.providers.surface`).

Sources, devlikeapro/waha: the controllers under ``src/api/`` at tag 2024.10.8 (commit
1a59300cd7deba78708405b7ba50cc133df92fba), and the later versions of ``chatting.controller.ts``
(``/api/send/link-custom-preview``, ``sendList``, ``sendPollVote``, ``send/buttons/reply``),
``chats.controller.ts`` (overview, read, pin, edit) and the controllers added since
(``profile``, ``lids``, ``calls``, ``events``, ``media``, ``contacts.session``, ``apikeys``,
commit 3a97923a0870bcf2d065c0b59959494b35561672).

WAHA names the session three ways: in the path (``/api/{session}/...``, ``/api/sessions/{session}``),
in the JSON body (``session``, the chatting routes) or in the query (``session``, the older GET
routes). Body and query default to ``default`` when left out (``sessions.dto.ts``,
``SessionBaseRequest``), so an absent session is bound like a named one, and then written out.

WAHA's apps (``src/apps/``, 2025) answer contacts from inside WAHA: the Chatwoot app sends agents'
replies itself, the calls app can answer every caller with a text, the MCP app sends for an AI
agent. They are configured through ``/api/apps`` and through the ``apps`` of a session's create and
update bodies, which also carry the session's ``config``: those bodies are checked field by field
(:data:`SESSION_BODY`, :data:`APP_BODY`). Sources: ``src/structures/sessions.dto.ts``
(``SessionCreateRequest``, ``SessionUpdateRequest``, ``SessionConfig``, with ``apps``),
``src/apps/app_sdk/dto/app.dto.ts`` (``App``), ``src/apps/app_sdk/apps/apps.ts`` (``AppName``),
``src/apps/calls/dto/config.dto.ts`` and ``services/CallsListener.ts``,
``src/apps/app_sdk/api/apps.controller.ts`` (commit 193eb53d32716e1e7c1fc0d04c547e3d2489ca1d).
"""

from __future__ import annotations

from typing import Any, Final

from zapguard.providers.bodies import (
    BodyRefused,
    Rule,
    anything,
    each,
    empty,
    fields,
    refused_unless,
)
from zapguard.providers.surface import Bind, Route, RouteClass, RouteTable

__all__ = ["APP_BODY", "IN_BODY", "IN_PATH", "IN_QUERY", "ROUTES", "SESSION_BODY"]

IN_PATH: Final = Bind("path", "session")
IN_BODY: Final = Bind("body", "session", default="default")
IN_QUERY: Final = Bind("query", "session", default="default")

_SEND_PT = "envio que o zapguard não avalia; use /api/sendText, /api/sendImage ou /api/sendFile"
_SEND_EN = "a send zapguard does not judge; use /api/sendText, /api/sendImage or /api/sendFile"
_GROUP_PT = "grupos entregam mensagens e convites a terceiros, fora das regras"
_GROUP_EN = "groups deliver messages and invites to others, outside the rules"
_STATUS_PT = "status (stories) é entregue aos contatos fora das regras"
_STATUS_EN = "status (stories) is delivered to contacts outside the rules"
_CHANNEL_PT = "canais (newsletters) ficam fora do zapguard"
_CHANNEL_EN = "channels (newsletters) stay out of zapguard"
_EDIT_PT = "editar, fixar ou apagar para todos entrega algo ao contato, fora das regras"
_EDIT_EN = "editing, pinning or deleting for everyone delivers something, outside the rules"
_SERVER_PT = "chamada do servidor WAHA inteiro, de todas as empresas"
_SERVER_EN = "a call about the whole WAHA server, every tenant's"


_ANSWERING_APPS: Final = {
    "chatwoot": (
        "envia as respostas dos atendentes direto; ligue o Chatwoot ao zapguard",
        "sends agents' replies straight out; connect Chatwoot to zapguard instead",
    ),
    "mcp": (
        "envia mensagens por um agente de IA",
        "sends messages for an AI agent",
    ),
}

_CALLS_CHANNEL = fields(
    {
        "reject": anything,  # declines the call, sends nothing
        "message": empty(
            "o WAHA enviaria esse texto sozinho a cada pessoa que ligar; deixe vazio",
            "WAHA would send this text by itself to everyone who calls; leave it empty",
        ),
        "waitBeforeDecline": anything,
        "waitBeforeResponse": anything,
    }
)
"""``CallsAppChannelConfig``: ``CallsListener`` sends ``message`` (trimmed, when not empty)."""

_APP_CONFIGS: Final[dict[str, Rule]] = {
    "calls": fields({"dm": _CALLS_CHANNEL, "group": _CALLS_CHANNEL}),
    # These two rewrite phone numbers on the way out; they send nothing by themselves.
    "brazilian-phone-numbers": anything,
    "argentine-phone-numbers": anything,
}


def _app(value: Any, where: str, account: str) -> BodyRefused | None:
    """One ``App``: a known app that answers no one, for the bound session only."""
    if not isinstance(value, dict):
        return fields({})(value, where, account)
    name = value.get("app")
    kind = f"{where}.app" if where else "app"
    if isinstance(name, str) and name in _ANSWERING_APPS:
        does_pt, does_en = _ANSWERING_APPS[name]
        return BodyRefused(
            kind,
            f"{kind}: o app {name} do WAHA {does_pt}, fora das regras",
            f"{kind}: WAHA's {name} app {does_en}, outside the rules",
        )
    config = _APP_CONFIGS.get(name) if isinstance(name, str) else None
    if config is None:
        return BodyRefused(
            kind,
            f"{kind}: app {name!r} desconhecido; passam só {', '.join(sorted(_APP_CONFIGS))}",
            f"{kind}: unknown app {name!r}; only {', '.join(sorted(_APP_CONFIGS))} pass",
        )
    return fields(
        {
            "id": anything,
            "app": anything,
            "enabled": anything,
            "session": refused_unless(
                lambda session: session is None or session == account,
                f"app de outra sessão ({value.get('session')!r}); só a sessão {account!r}",
                f"an app for another session ({value.get('session')!r}); only session {account!r}",
            ),
            "config": config,
        }
    )(value, where, account)


_SESSION_CONFIG = fields(
    {
        # Where the session's events go: an administrator's choice; delivers nothing to contacts.
        "webhooks": anything,
        "metadata": anything,
        "proxy": anything,
        "debug": anything,
        "ignore": anything,
        "client": anything,
        "noweb": anything,
        "webjs": anything,
    }
)

SESSION_BODY: Final = fields(
    {"name": anything, "start": anything, "config": _SESSION_CONFIG, "apps": each(_app)}
)
"""``POST /api/sessions`` (``SessionCreateRequest``), ``PUT /api/sessions/{session}``
(``SessionUpdateRequest``) and the older ``POST /api/sessions/start`` (name and config)."""

APP_BODY: Final = _app
"""``POST /api/apps``: one ``App``."""

_APPS_PT = "um app do WAHA pelo seu id: o zapguard não sabe de que sessão ele é"
_APPS_EN = "a WAHA app by its id: zapguard cannot tell whose session it belongs to"


def _refused(method: str, template: str, pt: str, en: str) -> Route:
    return Route(method, template, RouteClass.REFUSED, why_pt=pt, why_en=en)


def _session(method: str, path: str, kind: RouteClass, *query: str) -> Route:
    """A route under ``/api/{session}/``."""
    return Route(method, f"/api/{{session}}{path}", kind, IN_PATH, frozenset(query))


_ALLOWED, _ADMIN = RouteClass.ALLOWED, RouteClass.ADMIN

_CHATTING = (
    Route("POST", "/api/sendText", RouteClass.SEND, IN_BODY, send="text"),
    Route("POST", "/api/sendImage", RouteClass.SEND, IN_BODY, send="media"),
    Route("POST", "/api/sendFile", RouteClass.SEND, IN_BODY, send="media"),
    *(
        _refused("POST", f"/api/{action}", _SEND_PT, _SEND_EN)
        for action in (
            "sendVoice",
            "sendVideo",
            "sendButtons",
            "sendList",
            "sendPoll",
            "sendPollVote",
            "sendLocation",
            "sendLinkPreview",
            "sendContactVcard",
            "forwardMessage",
            "reply",
            "send/link-custom-preview",
            "send/buttons/reply",
        )
    ),
    _refused("GET", "/api/sendText", _SEND_PT, _SEND_EN),
    _refused("PUT", "/api/reaction", _SEND_PT, _SEND_EN),
    Route("POST", "/api/sendSeen", _ALLOWED, IN_BODY),
    Route("POST", "/api/startTyping", _ALLOWED, IN_BODY),
    Route("POST", "/api/stopTyping", _ALLOWED, IN_BODY),
    Route("PUT", "/api/star", _ALLOWED, IN_BODY),
    Route(
        "GET",
        "/api/messages",
        _ALLOWED,
        IN_QUERY,
        frozenset({"chatId", "limit", "offset", "downloadMedia", "sortBy", "sortOrder"}),
    ),
    Route("GET", "/api/checkNumberStatus", _ALLOWED, IN_QUERY, frozenset({"phone"})),
)

_CONTACTS = (
    Route("GET", "/api/contacts", _ALLOWED, IN_QUERY, frozenset({"contactId"})),
    Route(
        "GET",
        "/api/contacts/all",
        _ALLOWED,
        IN_QUERY,
        frozenset({"limit", "offset", "sortBy", "sortOrder"}),
    ),
    Route("GET", "/api/contacts/check-exists", _ALLOWED, IN_QUERY, frozenset({"phone"})),
    Route("GET", "/api/contacts/about", _ALLOWED, IN_QUERY, frozenset({"contactId"})),
    Route(
        "GET",
        "/api/contacts/profile-picture",
        _ALLOWED,
        IN_QUERY,
        frozenset({"contactId", "refresh"}),
    ),
    Route("POST", "/api/contacts/block", _ADMIN, IN_BODY),
    Route("POST", "/api/contacts/unblock", _ADMIN, IN_BODY),
    _session("PUT", "/contacts/{chatId}", _ADMIN),
)

_SESSIONS = (
    Route(
        "GET",
        "/api/sessions",
        _ALLOWED,
        Bind("query", "session", optional=True),
        frozenset({"all"}),
        lists_by="name",
    ),
    Route("GET", "/api/sessions/{session}", _ALLOWED, IN_PATH),
    Route("GET", "/api/sessions/{session}/me", _ALLOWED, IN_PATH),
    Route("POST", "/api/sessions", _ADMIN, Bind("body", "name"), body=SESSION_BODY),
    Route("PUT", "/api/sessions/{session}", _ADMIN, IN_PATH, body=SESSION_BODY),
    Route("DELETE", "/api/sessions/{session}", _ADMIN, IN_PATH),
    *(
        Route("POST", f"/api/sessions/{{session}}/{action}", _ADMIN, IN_PATH)
        for action in ("start", "stop", "logout", "restart")
    ),
    Route("POST", "/api/sessions/start", _ADMIN, Bind("body", "name"), body=SESSION_BODY),
    *(
        Route("POST", f"/api/sessions/{action}", _ADMIN, Bind("body", "name"))
        for action in ("stop", "logout")
    ),
    _session("GET", "/auth/qr", _ADMIN, "format"),
    _session("POST", "/auth/request-code", _ADMIN),
    _session("POST", "/auth/authorize-code", _ADMIN),
    _session("GET", "/auth/captcha", _ADMIN),
    _session("POST", "/auth/captcha", _ADMIN),
    Route("GET", "/api/screenshot", _ADMIN, IN_QUERY),  # may show the pairing QR code
    _session("GET", "/profile", _ALLOWED),
    _session("PUT", "/profile/name", _ADMIN),
    _session("PUT", "/profile/status", _ADMIN),
    _session("PUT", "/profile/picture", _ADMIN),
    _session("DELETE", "/profile/picture", _ADMIN),
)

_CHATS = (
    _session("GET", "/chats", _ALLOWED, "limit", "offset", "sortBy", "sortOrder"),
    _session("GET", "/chats/overview", _ALLOWED, "limit", "offset", "ids"),
    _session("POST", "/chats/overview", _ALLOWED),
    _session("DELETE", "/chats/{chatId}", _ADMIN),
    _session("GET", "/chats/{chatId}/picture", _ALLOWED, "refresh"),
    _session(
        "GET",
        "/chats/{chatId}/messages",
        _ALLOWED,
        "limit",
        "offset",
        "downloadMedia",
        "sortBy",
        "sortOrder",
        "filter.timestamp.lte",
        "filter.timestamp.gte",
        "filter.fromMe",
        "filter.ack",
    ),
    _session("POST", "/chats/{chatId}/messages/read", _ALLOWED, "messages", "days"),
    _session("GET", "/chats/{chatId}/messages/{messageId}", _ALLOWED, "downloadMedia"),
    _session("DELETE", "/chats/{chatId}/messages", _ADMIN),
    _refused("DELETE", "/api/{session}/chats/{chatId}/messages/{messageId}", _EDIT_PT, _EDIT_EN),
    _refused("PUT", "/api/{session}/chats/{chatId}/messages/{messageId}", _EDIT_PT, _EDIT_EN),
    _refused("POST", "/api/{session}/chats/{chatId}/messages/{messageId}/pin", _EDIT_PT, _EDIT_EN),
    _refused(
        "POST", "/api/{session}/chats/{chatId}/messages/{messageId}/unpin", _EDIT_PT, _EDIT_EN
    ),
    _session("POST", "/chats/{chatId}/archive", _ALLOWED),
    _session("POST", "/chats/{chatId}/unarchive", _ALLOWED),
    _session("POST", "/chats/{chatId}/unread", _ALLOWED),
)

_GROUPS = (
    _session("GET", "/groups", _ALLOWED),
    _session("GET", "/groups/{id}", _ALLOWED),
    _session("GET", "/groups/{id}/participants", _ALLOWED),
    _session("GET", "/groups/{id}/settings/security/info-admin-only", _ALLOWED),
    _session("GET", "/groups/{id}/settings/security/messages-admin-only", _ALLOWED),
    *(
        _refused(method, f"/api/{{session}}/groups{path}", _GROUP_PT, _GROUP_EN)
        for method, path in (
            ("POST", ""),
            ("DELETE", "/{id}"),
            ("POST", "/{id}/leave"),
            ("PUT", "/{id}/description"),
            ("PUT", "/{id}/subject"),
            ("GET", "/{id}/invite-code"),
            ("POST", "/{id}/invite-code/revoke"),
            ("POST", "/{id}/participants/add"),
            ("POST", "/{id}/participants/remove"),
            ("POST", "/{id}/admin/promote"),
            ("POST", "/{id}/admin/demote"),
            ("PUT", "/{id}/settings/security/info-admin-only"),
            ("PUT", "/{id}/settings/security/messages-admin-only"),
        )
    ),
)

_OTHERS = (
    *(
        _refused(method, f"/api/{{session}}/channels{path}", _CHANNEL_PT, _CHANNEL_EN)
        for method, path in (
            ("GET", ""),
            ("POST", ""),
            ("DELETE", "/{id}"),
            ("GET", "/{id}"),
            ("POST", "/follow"),
            ("POST", "/unfollow"),
            ("POST", "/mute"),
            ("POST", "/unmute"),
        )
    ),
    *(
        _refused("POST", f"/api/{{session}}/status/{kind}", _STATUS_PT, _STATUS_EN)
        for kind in ("text", "image", "voice", "video", "delete")
    ),
    _session("GET", "/labels", _ALLOWED),
    _session("GET", "/labels/chats/{chatId}", _ALLOWED),
    _session("PUT", "/labels/chats/{chatId}", _ALLOWED),
    _session("GET", "/labels/{labelId}/chats", _ALLOWED),
    _session("POST", "/presence", _ALLOWED),
    _session("GET", "/presence", _ALLOWED),
    _session("GET", "/presence/{chatId}", _ALLOWED),
    _session("POST", "/presence/{chatId}/subscribe", _ALLOWED),
    _session("GET", "/lids", _ALLOWED, "limit", "offset"),
    _session("GET", "/lids/count", _ALLOWED),
    _session("GET", "/lids/{lid}", _ALLOWED),
    _session("GET", "/lids/pn/{phoneNumber}", _ALLOWED),
    _refused(
        "POST", "/api/{session}/calls/reject", "chamadas ficam fora do zapguard", "calls stay out"
    ),
    _refused("POST", "/api/{session}/events", _SEND_PT, _SEND_EN),
    # The provider's server fetches whatever URL the body names.
    _session("POST", "/media/convert/voice", _ADMIN),
    _session("POST", "/media/convert/video", _ADMIN),
    *(
        _refused(method, template, _SERVER_PT, _SERVER_EN)
        for method, template in (
            ("POST", "/api/keys"),
            ("GET", "/api/keys"),
            ("PUT", "/api/keys/{id}"),
            ("DELETE", "/api/keys/{id}"),
            ("GET", "/api/server/version"),
            ("GET", "/api/server/environment"),
            ("GET", "/api/server/status"),
            ("POST", "/api/server/stop"),
            ("GET", "/api/server/debug/heapsnapshot"),
            ("GET", "/api/version"),
        )
    ),
)

_APPS = (
    # App configurations carry credentials (a Chatwoot account token): admin, reads included.
    Route("GET", "/api/apps", _ADMIN, Bind("query", "session")),
    Route("POST", "/api/apps", _ADMIN, Bind("body", "session"), body=APP_BODY),
    _refused("GET", "/api/apps/{id}", _APPS_PT, _APPS_EN),
    _refused("PUT", "/api/apps/{id}", _APPS_PT, _APPS_EN),
    _refused("DELETE", "/api/apps/{id}", _APPS_PT, _APPS_EN),
    _refused("POST", "/api/apps/{id}/purge", _APPS_PT, _APPS_EN),
    Route("POST", "/api/apps/{app}/{session}/purge", _ADMIN, IN_PATH),
    _refused("GET", "/api/apps/chatwoot/locales", _SERVER_PT, _SERVER_EN),
)

ROUTES: Final = RouteTable(
    "waha", (*_CHATTING, *_CONTACTS, *_SESSIONS, *_CHATS, *_GROUPS, *_OTHERS, *_APPS)
)
