"""Evolution API v2's published routes, classified (see :mod:`zapguard.providers.surface`).

Source: EvolutionAPI/evolution-api at tag 2.3.6 (commit 3454bec79f514995df9a5ea36a3554ab35cf1c82),
``src/api/routes/*.router.ts`` and ``src/api/integrations/**/*.router.ts``. Every route but
``/instance/create`` and ``/instance/fetchInstances`` names its instance as the last path segment
(``RouterBroker.routerPath`` in ``src/api/abstract/abstract.router.ts``).

Two facts of that source shape the table:

* ``RouterBroker.dataValidate`` copies every query parameter over the path parameters
  (``Object.assign(instance, request.query)``): ``?instanceName=other`` would make any route act on
  another instance. Query parameters are therefore dropped unless a route lists them, and
  ``instanceName`` is only ever the bound one.
* Evolution's own bots and its Chatwoot integration answer contacts by themselves, from inside
  Evolution, around zapguard's rules: turning them on is refused, like every other send that is not
  ``sendText`` or ``sendMedia``.
"""

from __future__ import annotations

from typing import Final

from zapguard.providers.surface import Bind, Route, RouteClass, RouteTable

INSTANCE: Final = Bind("path", "instance")

_SEND_PT = "envio que o zapguard não avalia; use /message/sendText ou /message/sendMedia"
_SEND_EN = "a send zapguard does not judge; use /message/sendText or /message/sendMedia"
_GROUP_PT = "grupos entregam mensagens e convites a terceiros, fora das regras"
_GROUP_EN = "groups deliver messages and invites to others, outside the rules"
_BOT_PT = "robôs e integrações da Evolution respondem contatos sozinhos, fora das regras"
_BOT_EN = "Evolution's own bots and integrations answer contacts by themselves, outside the rules"
_INTERNAL_PT = "chamada interna do Baileys ou da Evolution, não é para clientes"
_INTERNAL_EN = "an internal Baileys or Evolution call, not for clients"
_EDIT_PT = "editar ou apagar para todos entrega algo ao contato, fora das regras"
_EDIT_EN = "editing or deleting for everyone delivers something to the contact, outside the rules"


def _allowed(method: str, path: str, *query: str) -> Route:
    return Route(method, f"{path}/{{instance}}", RouteClass.ALLOWED, INSTANCE, frozenset(query))


def _admin(method: str, path: str, *query: str) -> Route:
    return Route(method, f"{path}/{{instance}}", RouteClass.ADMIN, INSTANCE, frozenset(query))


def _refused(method: str, path: str, pt: str, en: str, *, instance: bool = True) -> Route:
    template = f"{path}/{{instance}}" if instance else path
    return Route(method, template, RouteClass.REFUSED, why_pt=pt, why_en=en)


_SENDS = (
    Route("POST", "/message/sendText/{instance}", RouteClass.SEND, INSTANCE, send="text"),
    Route("POST", "/message/sendMedia/{instance}", RouteClass.SEND, INSTANCE, send="media"),
    *(
        _refused("POST", f"/message/{action}", _SEND_PT, _SEND_EN)
        for action in (
            "sendTemplate",
            "sendPtv",
            "sendWhatsAppAudio",
            "sendStatus",
            "sendSticker",
            "sendLocation",
            "sendContact",
            "sendReaction",
            "sendPoll",
            "sendList",
            "sendButtons",
        )
    ),
    _refused(
        "POST", "/call/offer", "chamadas ficam fora do zapguard", "calls stay out of zapguard"
    ),
)

_INSTANCE = (
    Route(
        "POST",
        "/instance/create",
        RouteClass.ADMIN,
        Bind("body", "instanceName"),
    ),
    _admin("POST", "/instance/restart"),
    _admin("GET", "/instance/connect", "number"),
    _allowed("GET", "/instance/connectionState"),
    Route(
        "GET",
        "/instance/fetchInstances",
        RouteClass.ALLOWED,
        Bind("query", "instanceName", optional=True),
        lists_by="name",
    ),
    _allowed("POST", "/instance/setPresence"),
    _admin("DELETE", "/instance/logout"),
    _admin("DELETE", "/instance/delete"),
)

_CHAT = (
    *(
        _allowed("POST", f"/chat/{action}")
        for action in (
            "whatsappNumbers",
            "markMessageAsRead",
            "archiveChat",
            "markChatUnread",
            "fetchProfilePictureUrl",
            "getBase64FromMediaMessage",
            "sendPresence",
            "findContacts",
            "findMessages",
            "findStatusMessage",
            "findChats",
            "fetchBusinessProfile",
            "fetchProfile",
        )
    ),
    _allowed("GET", "/chat/findChatByRemoteJid", "remoteJid"),
    _allowed("GET", "/chat/fetchPrivacySettings"),
    _refused("POST", "/chat/updateMessage", _EDIT_PT, _EDIT_EN),
    _refused("DELETE", "/chat/deleteMessageForEveryone", _EDIT_PT, _EDIT_EN),
    *(
        _admin("POST", f"/chat/{action}")
        for action in (
            "updateBlockStatus",
            "updateProfileName",
            "updateProfileStatus",
            "updateProfilePicture",
            "updatePrivacySettings",
        )
    ),
    _admin("DELETE", "/chat/removeProfilePicture"),
)

_GROUP = (
    _allowed("GET", "/group/findGroupInfos", "groupJid"),
    _allowed("GET", "/group/fetchAllGroups", "getParticipants"),
    _allowed("GET", "/group/participants", "groupJid"),
    *(
        _refused("POST", f"/group/{action}", _GROUP_PT, _GROUP_EN)
        for action in (
            "create",
            "updateGroupSubject",
            "updateGroupPicture",
            "updateGroupDescription",
            "sendInvite",
            "revokeInviteCode",
            "updateParticipant",
            "updateSetting",
            "toggleEphemeral",
        )
    ),
    *(
        _refused("GET", f"/group/{action}", _GROUP_PT, _GROUP_EN)
        for action in ("inviteCode", "inviteInfo", "acceptInviteCode")
    ),
    _refused("DELETE", "/group/leaveGroup", _GROUP_PT, _GROUP_EN),
)

_SETTINGS = (
    _allowed("POST", "/business/getCatalog"),
    _allowed("POST", "/business/getCollections"),
    _allowed("GET", "/template/find"),
    _admin("POST", "/template/create"),
    _allowed("GET", "/settings/find"),
    _admin("POST", "/settings/set"),
    _admin("POST", "/proxy/set"),
    _admin("GET", "/proxy/find"),  # carries the proxy's password
    _allowed("GET", "/label/findLabels"),
    _allowed("POST", "/label/handleLabel"),
    _allowed("POST", "/s3/getMedia"),
    _allowed("POST", "/s3/getMediaUrl"),
)

# Event sinks: where Evolution posts the instance's events (the webhook among them). Their
# settings carry URLs and credentials: admin, reads included.
_EVENTS = tuple(
    _admin(method, f"/{sink}/{action}")
    for sink in ("webhook", "websocket", "rabbitmq", "nats", "pusher", "sqs", "kafka")
    for method, action in (("POST", "set"), ("GET", "find"))
)


def _bot_routes(bot: str) -> tuple[Route, ...]:
    return (
        _refused("POST", f"/{bot}/create", _BOT_PT, _BOT_EN),
        _refused("PUT", f"/{bot}/update/{{botId}}", _BOT_PT, _BOT_EN),
        _refused("POST", f"/{bot}/settings", _BOT_PT, _BOT_EN),
        _refused("POST", f"/{bot}/changeStatus", _BOT_PT, _BOT_EN),
        _admin("GET", f"/{bot}/find"),
        _admin("GET", f"/{bot}/fetch/{{botId}}"),
        _admin("DELETE", f"/{bot}/delete/{{botId}}"),
        _admin("GET", f"/{bot}/fetchSettings"),
        _admin("GET", f"/{bot}/fetchSessions/{{botId}}"),
        _admin("POST", f"/{bot}/ignoreJid"),
    )


_BOTS = (
    *(
        route
        for bot in ("evolutionBot", "typebot", "openai", "dify", "flowise", "n8n", "evoai")
        for route in _bot_routes(bot)
    ),
    _refused("POST", "/typebot/start", _BOT_PT, _BOT_EN),
    _admin("POST", "/openai/creds"),
    _admin("GET", "/openai/creds"),
    _admin("DELETE", "/openai/creds/{credsId}"),
    _admin("GET", "/openai/getModels"),
    _refused("POST", "/chatwoot/set", _BOT_PT, _BOT_EN),
    _admin("GET", "/chatwoot/find"),
    _refused("POST", "/chatwoot/webhook", _BOT_PT, _BOT_EN),
)

_INTERNAL = (
    _allowed("POST", "/baileys/onWhatsapp"),
    _allowed("POST", "/baileys/profilePictureUrl"),
    *(
        _refused("POST", f"/baileys/{action}", _INTERNAL_PT, _INTERNAL_EN)
        for action in (
            "assertSessions",
            "createParticipantNodes",
            "getUSyncDevices",
            "generateMessageTag",
            "sendNode",
            "signalRepositoryDecryptMessage",
            "getAuthState",
        )
    ),
    _refused("POST", "/verify-creds", _INTERNAL_PT, _INTERNAL_EN, instance=False),
    _refused("POST", "/webhook/evolution", _INTERNAL_PT, _INTERNAL_EN, instance=False),
    _refused("GET", "/webhook/meta", _INTERNAL_PT, _INTERNAL_EN, instance=False),
    _refused("POST", "/webhook/meta", _INTERNAL_PT, _INTERNAL_EN, instance=False),
)

ROUTES: Final = RouteTable(
    "evolution",
    (*_SENDS, *_INSTANCE, *_CHAT, *_GROUP, *_SETTINGS, *_EVENTS, *_BOTS, *_INTERNAL),
)
