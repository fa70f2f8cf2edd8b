"""Webhooks in: what providers and helpdesks tell zapguard, turned into state.

One module per job: :mod:`.signatures` proves who sent a webhook; :mod:`.cloud`,
:mod:`.evolution`, :mod:`.waha` and :mod:`.chatwoot` read each dialect into provider-neutral
:class:`~.model.Happening` values; :mod:`.apply` turns those into state; :mod:`.receiver` runs one
request end to end (and keeps what it cannot use in the webhook inbox); :mod:`.forward` hands the
provider's payload on to the helpdesk, signed as it expects.
"""

from zapguard.gateway.webhooks.model import Happening, Kind, WebhookParseError

__all__ = ["Happening", "Kind", "WebhookParseError"]
