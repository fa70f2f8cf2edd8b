"""Where zapguard may POST a line's webhooks: the helpdesk URL, kept from reaching inside.

A ``helpdesk_url`` is chosen by a tenant and zapguard POSTs to it from inside the operator's network
(server-side request forgery): pointed at ``169.254.169.254`` it would hand a cloud's instance
credentials to whoever reads the answer; pointed at ``10.0.0.5`` it reaches services no tenant
should. So (OWASP SSRF Prevention Cheat Sheet):

- only ``http`` and ``https``, with a host;
- never loopback, private (RFC 1918), shared (RFC 6598), link-local, unique-local (``fc00::/7``),
  multicast, unspecified, reserved or documentation addresses, nor IPv6 forms that embed one
  (IPv4-mapped, 6to4, Teredo, NAT64), nor names that mean them (``localhost``, ``*.localhost``,
  ``*.local``, ``*.internal``);
- never a cloud metadata service, even when private targets are allowed: ``169.254.169.254``
  (AWS, Google Cloud, Azure, Oracle, DigitalOcean), ``169.254.170.2`` (AWS ECS task metadata),
  ``fd00:ec2::254`` (AWS IMDS over IPv6), ``100.100.100.200`` (Alibaba Cloud),
  ``metadata.google.internal`` and ``metadata.goog``;
- a numeric host written any other way than a dotted quad (``2130706433``, ``0x7f.1``, ``0177.0.0.1``)
  is refused: resolvers read those as addresses and a check would not.

:func:`check_url` runs when a URL is registered (no network: the name is judged as written);
:func:`resolve_target` runs at each delivery, resolves the name, checks *every* address it
resolves to, and pins the request to the address it checked, so a name that resolves elsewhere a
moment later (DNS rebinding) changes nothing. ``[server] allow_private_helpdesk_urls`` lifts the
private-network refusals for an operator whose helpdesk runs inside (default off).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import httpx

__all__ = [
    "METADATA_ADDRESSES",
    "METADATA_NAMES",
    "NAT64",
    "PRIVATE_SUFFIXES",
    "IPAddress",
    "Resolver",
    "Target",
    "UnsafeTarget",
    "check_url",
    "resolve_target",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""(host, port) → the addresses it resolves to."""

METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES: Final = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
PRIVATE_SUFFIXES: Final = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST: Final = re.compile(r"^(0x[0-9a-f]*|[0-9][0-9a-fx.]*)$", re.IGNORECASE)


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says what is wrong, in pt-BR and English."""

    def __init__(self, pt: str, en: str) -> None:
        super().__init__(f"{pt} / {en}")
        self.pt = pt
        self.en = en


@dataclass(frozen=True, slots=True)
class Target:
    """A checked delivery: the URL with its host replaced by the checked address."""

    url: str
    host: str
    """The ``Host`` header (the name the URL had, with its port when not the scheme's)."""
    server_name: str
    """The name TLS must present a certificate for (SNI)."""


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a helpdesk URL that is not http(s) or names an internal target (see the module)."""
    name, _ = _parts(url)
    literal = _literal(name)
    if literal is not None:
        _check_address(literal, allow_private=allow_private, shown=name)
        return
    _check_name(name, allow_private=allow_private)


def resolve_target(url: str, *, allow_private: bool, resolve: Resolver | None = None) -> Target:
    """Check ``url``, resolve its host and check every address; the request to make, pinned."""
    check_url(url, allow_private=allow_private)
    parsed = httpx.URL(url)
    name, port = _parts(url)
    literal = _literal(name)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            found = (resolve or system_resolver)(name, port)
        except OSError as error:
            raise UnsafeTarget(
                f"o nome {name} não resolve ({type(error).__name__})",
                f"the name {name} does not resolve ({type(error).__name__})",
            ) from None
        addresses = [ipaddress.ip_address(address) for address in found]
        if not addresses:
            raise UnsafeTarget(f"o nome {name} não resolve", f"the name {name} does not resolve")
    for address in addresses:
        _check_address(address, allow_private=allow_private, shown=f"{name} → {address}")
    pinned = parsed.copy_with(host=str(addresses[0]))
    default_port = 443 if parsed.scheme == "https" else 80
    host = name if port == default_port else f"{_bracketed(name)}:{port}"
    return Target(url=str(pinned), host=host, server_name=name)


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def _parts(url: str) -> tuple[str, int]:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UnsafeTarget("URL inválida", "invalid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeTarget(
            f"só URLs http ou https (não {parsed.scheme or 'sem esquema'})",
            f"only http or https URLs (not {parsed.scheme or 'no scheme'})",
        )
    host = parsed.host.rstrip(".").lower()
    if not host:
        raise UnsafeTarget("URL sem host", "URL without a host")
    return host, parsed.port or (443 if parsed.scheme == "https" else 80)


def _literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, or ``None`` for a name; odd numeric spellings are refused."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        raise UnsafeTarget(
            f"host numérico ambíguo: {host} (use um nome ou o endereço por extenso)",
            f"ambiguous numeric host: {host} (use a name or the address written out)",
        )
    return None


def _check_name(name: str, *, allow_private: bool) -> None:
    if name in METADATA_NAMES:
        raise UnsafeTarget(
            f"{name} é o serviço de metadados da nuvem", f"{name} is the cloud metadata service"
        )
    if allow_private:
        return
    if name == "localhost" or name.endswith(PRIVATE_SUFFIXES):
        raise UnsafeTarget(
            f"{name} é um nome da rede interna", f"{name} is an internal network name"
        )


def _check_address(address: IPAddress, *, allow_private: bool, shown: str) -> None:
    inside = _embedded(address)
    if any(inner in METADATA_ADDRESSES for inner in inside):
        raise UnsafeTarget(
            f"{shown} é o serviço de metadados da nuvem", f"{shown} is the cloud metadata service"
        )
    for inner in inside:
        internal = inner.is_loopback or inner.is_private or inner.is_link_local
        if inner.is_multicast or inner.is_unspecified or (inner.is_reserved and not internal):
            raise UnsafeTarget(
                f"{shown} é um endereço multicast, não especificado ou reservado",
                f"{shown} is a multicast, unspecified or reserved address",
            )
        if not allow_private and not inner.is_global:
            raise UnsafeTarget(
                f"{shown} é um endereço {_what_pt(inner)} (rede interna)",
                f"{shown} is a {_what_en(inner)} address (internal network)",
            )


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address and every IPv4 address an IPv6 form carries inside it."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None:
                found.append(inner)
        if address.teredo is not None:
            found.append(address.teredo[1])
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _what_pt(address: IPAddress) -> str:
    if address.is_loopback:
        return "de loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "privado"
    return "não público"


def _what_en(address: IPAddress) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "non-public"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
