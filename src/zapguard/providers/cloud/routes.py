"""The WhatsApp Cloud API's Graph routes, classified (see :mod:`zapguard.providers.surface`).

Sources: Meta for Developers, WhatsApp Cloud API reference (Messages, Media, Phone Numbers,
Business Profiles, Registration, Two-Step Verification, Block Users, QR Codes, Calling, Groups) and
WhatsApp Business Management API (Message Templates, Subscribed Apps, Flows); and the Graph calls
of pywa 4.5.0 (``pywa/api.py``, ``GraphAPI``), which a Cloud API client makes through this surface.

Graph paths start with the API version (``v21.0``). Most objects are named by a bare id
(``/{version}/{id}``): a phone number, a business account, a media file, a template, a flow, a
group. zapguard can only bind what it knows to be the calling tenant's: the ``phone_number_id`` of
one of its Cloud lines, the line's business account id (``business_account``), and the media ids
it saw on the tenant's lines (inbound webhooks and uploads through this surface). Every other id
is refused exactly like an id that does not exist: template, flow and group ids among them.

Two administrative edges of a phone number were weighed for what they make WhatsApp deliver by
itself:

* ``POST /{phone_number_id}/settings`` (the Settings API, which carries the Calling API settings):
  its body is checked (:data:`SETTINGS_BODY`). With ``calling.callback_permission_status``
  ``ENABLED``, WhatsApp prompts every person who calls the number with a call-permission request,
  "triggered from either a missed or connected call" (Calling API reference, "Configure or update
  calling settings"); with ``calling.sip`` enabled, calls are signalled through the business's SIP
  server and "you cannot use calling related endpoints", so business-initiated calls would leave
  without a call to this surface (which refuses ``/calls``). Both are refused; the call button,
  its visibility and the calling hours deliver nothing and pass.
* ``POST /{phone_number_id}/conversational_automation``: passes for an admin key, body and all.
  Ice breakers and commands are texts shown in the contact's app, which the contact taps and sends
  *themselves* (Conversational Components); ``enable_welcome_message`` only makes Meta send the
  business a ``request_welcome`` webhook when a person opens the chat for the first time, and the
  welcome itself is the business's own message through ``/messages``, judged by the rules
  (category ``welcome``, ZG102). Seed tip 1 wants the greeting in the app rather than sent by a
  bot; on the Cloud API, which has no app greeting, ice breakers are the closest thing, and they
  send nothing on the business's behalf.
"""

from __future__ import annotations

import re
from typing import Final

from zapguard.providers.bodies import anything, fields, one_of
from zapguard.providers.surface import Bind, Names, Route, RouteClass, RouteTable

__all__ = ["MEDIA", "PHONE", "ROUTES", "SETTINGS_BODY", "VERSION", "WABA"]

PHONE: Final = Bind("path", "phone_number_id")
WABA: Final = Bind("path", "waba_id", Names.WABA)
MEDIA: Final = Bind("path", "media_id", Names.MEDIA)

VERSION: Final = re.compile(r"v\d+\.\d+", re.IGNORECASE)
"""Graph API versions read ``v<major>.<minor>`` (Graph API "Versioning")."""

_TEMPLATE_QUERY = frozenset(
    {"fields", "limit", "after", "before", "summary", "name", "status", "category", "language"}
)
_ALLOWED, _ADMIN = RouteClass.ALLOWED, RouteClass.ADMIN

_OFF = frozenset({"DISABLED"})

SETTINGS_BODY: Final = fields(
    {
        "calling": fields(
            {
                "status": anything,
                "call_icon_visibility": anything,
                "call_icons": anything,
                "call_hours": anything,
                "callback_permission_status": one_of(
                    _OFF,
                    "o WhatsApp pediria permissão de chamada a cada pessoa que ligar, sem passar "
                    "pelo zapguard; use DISABLED",
                    "WhatsApp would send a call-permission request to everyone who calls, without "
                    "going through zapguard; use DISABLED",
                ),
                "sip": fields(
                    {
                        "status": one_of(
                            _OFF,
                            "chamadas sinalizadas por SIP saem sem passar pelo zapguard; use "
                            "DISABLED",
                            "calls signalled through SIP leave without going through zapguard; "
                            "use DISABLED",
                        ),
                        "servers": anything,
                    }
                ),
            }
        ),
        # Local storage: where Meta keeps the number's messages at rest ("Local storage").
        "storage_configuration": anything,
    }
)
"""``POST /{phone_number_id}/settings`` (see the module docstring)."""


def _phone(method: str, edge: str, kind: RouteClass, *query: str) -> Route:
    return Route(method, f"/{{version}}/{{phone_number_id}}{edge}", kind, PHONE, frozenset(query))


def _waba(method: str, edge: str, kind: RouteClass, *query: str) -> Route:
    return Route(method, f"/{{version}}/{{waba_id}}{edge}", kind, WABA, frozenset(query))


def _refused(method: str, edge: str, pt: str, en: str) -> Route:
    return Route(
        method, f"/{{version}}/{{phone_number_id}}{edge}", RouteClass.REFUSED, why_pt=pt, why_en=en
    )


ROUTES: Final = RouteTable(
    "cloud",
    (
        # Sends (and marking a message read, which the same edge takes: see the send handler).
        Route(
            "POST", "/{version}/{phone_number_id}/messages", RouteClass.SEND, PHONE, send="message"
        ),
        _refused(
            "POST",
            "/marketing_messages",
            "envio de marketing que contorna as regras; use /messages",
            "a marketing send around the rules; use /messages",
        ),
        _refused("POST", "/calls", "chamadas ficam fora do zapguard", "calls stay out of zapguard"),
        _refused(
            "POST",
            "/groups",
            "grupos entregam mensagens e convites a terceiros, fora das regras",
            "groups deliver messages and invites to others, outside the rules",
        ),
        # The phone number.
        _phone("GET", "", _ALLOWED, "fields"),
        _phone("POST", "", _ADMIN),  # display name, webhook override...
        _phone("GET", "/whatsapp_business_profile", _ALLOWED, "fields"),
        _phone("POST", "/whatsapp_business_profile", _ADMIN),
        _phone("GET", "/settings", _ALLOWED),
        Route(
            "POST",
            "/{version}/{phone_number_id}/settings",
            _ADMIN,
            PHONE,
            body=SETTINGS_BODY,
        ),
        _phone("GET", "/whatsapp_commerce_settings", _ALLOWED),
        _phone("POST", "/whatsapp_commerce_settings", _ADMIN),
        _phone("POST", "/whatsapp_business_encryption", _ADMIN),
        _phone("POST", "/conversational_automation", _ADMIN),
        _phone("POST", "/register", _ADMIN),
        _phone("POST", "/deregister", _ADMIN),
        _phone("POST", "/request_code", _ADMIN),
        _phone("POST", "/verify_code", _ADMIN),
        _phone("GET", "/block_users", _ALLOWED, "limit", "after", "before"),
        _phone("POST", "/block_users", _ADMIN),
        _phone("DELETE", "/block_users", _ADMIN),
        _phone("GET", "/message_qrdls", _ALLOWED, "fields", "code"),
        _phone("GET", "/message_qrdls/{code}", _ALLOWED),
        _phone("POST", "/message_qrdls", _ADMIN),
        _phone("DELETE", "/message_qrdls/{code}", _ADMIN),
        _phone("GET", "/username", _ALLOWED),
        _phone("GET", "/username_suggestions", _ALLOWED),
        _phone("POST", "/username", _ADMIN),
        _phone("DELETE", "/username", _ADMIN),
        _phone("GET", "/call_permissions", _ALLOWED, "user_wa_id"),
        _phone("GET", "/groups", _ALLOWED, "limit", "after", "before"),
        # Media: uploaded through a phone number, then named by its own id.
        Route(
            "POST",
            "/{version}/{phone_number_id}/media",
            _ALLOWED,
            PHONE,
            records_media=True,
        ),
        # "phone_number_id: if included, the operation is only processed if the ID matches the
        # number the media was uploaded on" (Media reference): it names a line, so it is the
        # bound line's own number.
        *(
            Route(
                method,
                "/{version}/{media_id}",
                _ALLOWED,
                MEDIA,
                frozenset({"phone_number_id"}),
                line_query=frozenset({"phone_number_id"}),
            )
            for method in ("GET", "DELETE")
        ),
        # The business account.
        _waba("GET", "", _ALLOWED, "fields"),
        _waba("POST", "", _ADMIN),
        _waba("GET", "/phone_numbers", _ALLOWED, "fields"),
        _waba("POST", "/phone_numbers", _ADMIN),
        _waba("GET", "/message_templates", _ALLOWED, *_TEMPLATE_QUERY),
        _waba("POST", "/message_templates", _ADMIN),
        _waba("DELETE", "/message_templates", _ADMIN, "name", "hsm_id"),
        _waba("POST", "/upsert_message_templates", _ADMIN),
        _waba("POST", "/migrate_message_templates", _ADMIN),
        _waba("GET", "/subscribed_apps", _ALLOWED),
        _waba("POST", "/subscribed_apps", _ADMIN),
        _waba("DELETE", "/subscribed_apps", _ADMIN),
        _waba("GET", "/flows", _ALLOWED, "fields"),
        _waba("POST", "/flows", _ADMIN),
        _waba("POST", "/migrate_flows", _ADMIN),
    ),
    params={"version": VERSION},
)
