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
  ``sendText`` or ``sendMedia``. They can also be turned on by the body of two administrative
  calls, ``/instance/create`` and ``/settings/set``: those bodies are checked field by field
  (:data:`INSTANCE_BODY`, :data:`SETTINGS_BODY`).
"""

from __future__ import annotations

from typing import Final

from zapguard.providers.bodies import anything, empty, fields, off, one_of
from zapguard.providers.surface import Bind, Route, RouteClass, RouteTable

__all__ = ["INSTANCE", "INSTANCE_BODY", "ROUTES", "SETTINGS_BODY"]

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


# -- bodies of administrative calls ------------------------------------------------------------
# Source: the same tag 2.3.6: src/api/dto/instance.dto.ts, settings.dto.ts, the mixins of
# src/api/integrations/integration.dto.ts (chatwoot.dto.ts, event/event.dto.ts), the JSON schemas
# src/validate/instance.schema.ts and settings.schema.ts, and what reads them:
# InstanceController.createInstance (instance.controller.ts) and the Baileys channel
# (whatsapp.baileys.service.ts).

_MSG_CALL = empty(
    "a Evolution enviaria esse texto sozinha a cada pessoa que ligar, fora das regras; deixe vazio "
    "(rejectCall sozinho só recusa a chamada)",
    "Evolution would send this text by itself to everyone who calls, outside the rules; leave it "
    "empty (rejectCall alone only declines the call)",
)
"""The Baileys channel sends ``msgCall`` to the caller on every call offer, whether or not
``rejectCall`` is on (``eventHandler``, ``events.call``)."""

_WAVOIP = empty(
    "liga a sessão a um serviço de chamadas de voz (wavoip), que liga para contatos fora do "
    "zapguard",
    "hands the session to a voice-call service (wavoip) that calls contacts outside zapguard",
)
"""A non-empty ``wavoipToken`` makes the channel call ``useVoiceCallsBaileys`` with the session's
socket; zapguard refuses calls (``/call/offer``)."""

_CHATWOOT = off(
    "a integração Chatwoot da própria Evolution envia as respostas dos atendentes direto, fora das "
    "regras; ligue o Chatwoot ao zapguard (helpdesk da linha)",
    "Evolution's own Chatwoot integration sends agents' replies straight out, outside the rules; "
    "connect Chatwoot to zapguard instead (the line's helpdesk)",
)
"""``createInstance`` turns the integration on when ``chatwootAccountId``, ``chatwootToken`` and
``chatwootUrl`` are given; any ``chatwoot*`` field with a value is refused, so none of them can
complete a half-set integration."""

_INTEGRATION = one_of(
    frozenset({"WHATSAPP-BAILEYS", "WHATSAPP-BUSINESS"}),
    "só WHATSAPP-BAILEYS ou WHATSAPP-BUSINESS (o canal EVOLUTION não é WhatsApp e responde por "
    "robôs próprios)",
    "only WHATSAPP-BAILEYS or WHATSAPP-BUSINESS (the EVOLUTION channel is not WhatsApp and answers "
    "through its own bots)",
)
"""``Integration`` in ``src/api/types/wa.types.ts``; ``ChannelController.init`` picks the channel
by it."""

_SETTING_FIELDS: Final = {
    "rejectCall": anything,  # declines the call, sends nothing
    "msgCall": _MSG_CALL,
    "groupsIgnore": anything,
    "alwaysOnline": anything,  # presence, like the allowed /instance/setPresence
    "readMessages": anything,  # read receipts, like the allowed /chat/markMessageAsRead
    "readStatus": anything,
    "syncFullHistory": anything,
    "wavoipToken": _WAVOIP,
}

SETTINGS_BODY: Final = fields(_SETTING_FIELDS)
"""``POST /settings/set/{instance}``: ``SettingsDto``."""

_CHATWOOT_FIELDS = (
    "chatwootAccountId",
    "chatwootToken",
    "chatwootUrl",
    "chatwootSignMsg",
    "chatwootReopenConversation",
    "chatwootConversationPending",
    "chatwootMergeBrazilContacts",
    "chatwootImportContacts",
    "chatwootImportMessages",
    "chatwootDaysLimitImportMessages",
    "chatwootNameInbox",
    "chatwootOrganization",
    "chatwootLogo",
    "chatwootAutoCreate",
)

# Where the instance's events go: an administrator's choice (the routes that set them are
# administrative too); they deliver nothing to contacts.
_EVENT_SINKS = (
    "webhook",
    "websocket",
    "rabbitmq",
    "nats",
    "sqs",
    "pusher",
    "kafka",
    # The flat forms instance.schema.ts still lists.
    "webhookUrl",
    "webhookByEvents",
    "webhookBase64",
    "webhookEvents",
    "rabbitmqEnabled",
    "rabbitmqEvents",
    "natsEnabled",
    "natsEvents",
    "sqsEnabled",
    "sqsEvents",
)

INSTANCE_BODY: Final = fields(
    {
        "instanceName": anything,
        "instanceId": anything,
        "token": anything,
        "number": anything,
        "businessId": anything,
        "qrcode": anything,
        "status": anything,
        "ownerJid": anything,
        "profileName": anything,
        "profilePicUrl": anything,
        "integration": _INTEGRATION,
        "Integration": _INTEGRATION,  # instance.schema.ts spells it so
        **_SETTING_FIELDS,
        **dict.fromkeys(
            ("proxyHost", "proxyPort", "proxyProtocol", "proxyUsername", "proxyPassword"),
            anything,
        ),
        **dict.fromkeys(_EVENT_SINKS, anything),
        **dict.fromkeys(_CHATWOOT_FIELDS, _CHATWOOT),
    }
)
"""``POST /instance/create``: ``InstanceDto``. Typebot and the other bots have no field here in
v2 (v1 had ``typebot_*``): they are unknown fields, refused."""


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
        body=INSTANCE_BODY,
        # ``hash`` is the new instance's own apikey (instance.controller.ts, createInstance):
        # with it a client would reach the Evolution server directly, around the rules.
        answer_hides=frozenset({"hash"}),
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
    Route("POST", "/settings/set/{instance}", RouteClass.ADMIN, INSTANCE, body=SETTINGS_BODY),
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
