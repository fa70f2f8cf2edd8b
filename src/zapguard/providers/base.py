"""The one small interface every WhatsApp provider sits behind.

The dispatcher only ever calls a :class:`Provider`: send a text or a media message, show "typing…",
mark a message read. Each adapter translates those calls into its provider's HTTP dialect and its
answers back into :class:`Sent` or a :class:`ProviderError`, classified so the dispatcher knows what
to do without knowing the provider::

    ProviderError
    ├── retryable=True   429, 5xx, timeouts, connection failures: try again later, with backoff
    ├── ban=True         the number is logged out, blocked or banned (401/403, Cloud API account
    │                    errors): stop the line and raise an alert
    └── otherwise        the message itself was refused (bad number, bad payload): do not retry

Adapters take an ``httpx.Client`` so tests and benchmarks inject transports, and never log secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "NO_OPTIONS",
    "Endpoint",
    "Provider",
    "ProviderError",
    "SendOptions",
    "Sent",
    "no_templates",
]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach one line through its provider.

    ``account`` is the provider's own name for the line: the Cloud API ``phone_number_id``, the
    Evolution API instance name, the WAHA session. ``token`` is the bearer token (Cloud API) or the
    ``apikey`` / ``X-Api-Key`` (Evolution, WAHA); it is never part of ``repr``.
    """

    kind: str
    base_url: str
    account: str
    token: str | None = field(default=None, repr=False)
    api_version: str = "v21.0"


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send one message, beyond what and to whom; each adapter writes them in its dialect."""

    reply_to: str | None = None
    """The provider's own id of the message this one quotes (a reply)."""
    link_preview: bool | None = None
    """Show a preview of the first link; ``None`` leaves the provider's default."""


NO_OPTIONS = SendOptions()


@dataclass(frozen=True, slots=True)
class Sent:
    """The provider took the message; ``provider_message_id`` is its id (``wamid...``, Baileys key)."""

    provider_message_id: str


def no_templates(provider: str) -> ProviderError:
    """The refusal of a provider that has no templates (they are a Cloud API feature)."""
    return ProviderError(
        f"{provider} não envia modelos da Cloud API / {provider} cannot send Cloud API templates",
        code="unsupported",
    )


class ProviderError(Exception):
    """A provider call that did not succeed, classified for the dispatcher."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool = False,
        ban: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable
        self.ban = ban
        self.retry_after = retry_after
        """Seconds the provider asked us to wait (``Retry-After``), when it said."""


@runtime_checkable
class Provider(Protocol):
    """One line's provider connection."""

    @property
    def supports_typing(self) -> bool:
        """Whether :meth:`typing` shows anything (the Cloud API has no free-standing typing)."""
        ...

    def send_text(
        self,
        to: str,
        text: str,
        *,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        """Send ``text`` to the E.164 number ``to``.

        ``reference`` is zapguard's own id for the message (the outbox public id); adapters pass it
        where the provider echoes it back in status webhooks or deduplicates on it. ``options``
        (reply, link preview) go in the provider's own fields.
        """
        ...

    def send_media(
        self,
        to: str,
        url: str,
        *,
        caption: str | None = None,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        """Send the media at ``url`` (an https link the provider fetches) with an optional caption."""
        ...

    def send_template(
        self, to: str, template: Mapping[str, Any], *, reference: str | None = None
    ) -> Sent:
        """Send a pre-approved Cloud API template (``name``, ``language``, ``components``).

        Only the Cloud API has templates; other adapters refuse with a non-retryable error.
        """
        ...

    def typing(self, to: str, seconds: float) -> None:
        """Show "typing…" to ``to`` for about ``seconds``; a no-op where unsupported."""
        ...

    def mark_read(self, to: str, provider_message_id: str) -> None:
        """Mark the contact's message ``provider_message_id`` as read."""
        ...
