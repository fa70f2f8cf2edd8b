"""Webhooks in: what providers and helpdesks tell zapguard, turned into state.

One module per job: each provider package (:mod:`zapguard.providers`) proves and reads its own
dialect into provider-neutral :class:`~zapguard.providers.happening.Happening` values, and
:mod:`.chatwoot` with :mod:`.chatwoot_signature` does the same for the helpdesk; :mod:`.apply` turns
those into state; :mod:`.receiver` runs one request end to end (and keeps what it cannot use in the
webhook inbox); :mod:`.forward` hands the provider's payload on to the helpdesk, signed as it
expects.
"""

from zapguard.providers.happening import Happening, Kind, WebhookParseError

__all__ = ["Happening", "Kind", "WebhookParseError"]
