"""Where a notification may be sent: checked at call time, and again at connect time.

A webhook URL comes from a Secret that a tenant controls, so it is untrusted
input: pointed at ``169.254.169.254`` it would make the controller fetch cloud
credentials (the SSRF behind flagger #1914). The rules, in order:

1. only ``http`` and ``https``; no credentials in the URL;
2. if an allowlist is configured, the destination must be on it
   (``host`` matches the scheme's default port only, ``host:port`` that port);
3. every address the host resolves to must be public, except that an
   explicitly allowlisted destination (or ``allow_private``) may be loopback
   or private; link-local and cloud-metadata addresses are never allowed.

The same address rule runs again on the socket actually connected (see
``transport``), so a DNS answer that changes between check and connect
(rebinding) gains nothing. Redirects are never followed. Refusals raise a
permanent ``NotifyError`` whose message names the address, never the URL.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from rollout_engine.errors import NotifyError

__all__ = ["Destination", "DestinationPolicy", "Resolver", "system_resolver"]

Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> IP addresses``; injected in tests, ``getaddrinfo`` in production."""

_METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, as the socket layer would connect."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Destination:
    """A checked destination: what the connection guard needs, nothing secret."""

    scheme: str
    host: str
    port: int
    allowlisted: bool


@dataclass(frozen=True)
class DestinationPolicy:
    """Which hosts and addresses a webhook may reach.

    Args:
        allowed_hosts: ``host`` or ``host:port`` entries; empty means any host
            whose addresses are public.
        allow_private: also allow loopback and private addresses for any
            host (in-cluster receivers); link-local/metadata stay refused.
        resolver: how host names become addresses.
    """

    allowed_hosts: frozenset[str] = frozenset()
    allow_private: bool = False
    resolver: Resolver = field(default=system_resolver, compare=False)

    def check_url(self, url: str, *, label: str) -> Destination:
        """Validate ``url`` and the addresses its host resolves to now."""
        parts = _split(url, label=label)
        host = (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        allowlisted = self._listed(host, port, parts.scheme)
        if self.allowed_hosts and not allowlisted:
            raise NotifyError(f"{label}: the destination host is not allowlisted", permanent=True)
        destination = Destination(parts.scheme, host, port, allowlisted)
        addresses: Sequence[str] = [host] if _is_ip(host) else ()
        # NB: a resolver error is reported below, outside the handler, so nothing chains to it
        with contextlib.suppress(OSError):
            addresses = addresses or self.resolver(host, port)
        if not addresses:
            raise NotifyError(f"{label}: the destination host does not resolve")
        for address in addresses:
            self.check_address(address, destination=destination, label=label)
        return destination

    def check_address(self, address: str, *, destination: Destination, label: str) -> None:
        """Refuse a link-local, metadata, special, or (unless allowed) private address."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip in _METADATA or ip.is_link_local:
            why = "link-local (cloud metadata)"
        elif ip.is_multicast or ip.is_unspecified or ip.is_reserved:
            why = "not a unicast address"
        elif ip.is_global or destination.allowlisted or self.allow_private:
            return
        else:
            why = "loopback or private and not allowlisted"
        raise NotifyError(f"{label}: destination address {ip} is {why}", permanent=True)

    def _listed(self, host: str, port: int, scheme: str) -> bool:
        bracketed = f"[{host}]" if ":" in host else host
        if f"{bracketed}:{port}" in self.allowed_hosts:
            return True
        return port == _DEFAULT_PORTS[scheme] and host in self.allowed_hosts


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _split(url: str, *, label: str) -> SplitResult:
    parts: SplitResult | None = None
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        parts = None  # NB: raised below, outside the handler: the cause may quote the URL
    if parts is None:
        raise NotifyError(f"{label}: the URL in the Secret is malformed", permanent=True)
    if parts.scheme not in _DEFAULT_PORTS:
        raise NotifyError(f"{label}: only http and https URLs are allowed", permanent=True)
    if not parts.hostname:
        raise NotifyError(f"{label}: the URL in the Secret has no host", permanent=True)
    if parts.username is not None or parts.password is not None:
        raise NotifyError(f"{label}: credentials in the URL are not allowed", permanent=True)
    return parts
