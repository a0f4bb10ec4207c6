"""Outbound URL safety: agent-supplied targets may not reach our own network (SSRF)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from escalq.services.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Invalid):
    """The URL points at an address outbound requests may not reach."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body.webhook_url")


def is_public(address: IPAddress) -> bool:
    """Only globally routable unicast addresses are fair game (no loopback, private, link-local, metadata)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl(f"{url!r} is not an absolute http(s) URL")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (raises OSError when it does not resolve)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def _refuse_private(url: str, addresses: list[IPAddress]) -> None:
    blocked = sorted({str(a) for a in addresses if not is_public(a)})
    if blocked:
        raise UnsafeUrl(
            f"{url!r} points at a private, loopback or link-local address ({', '.join(blocked)}); "
            "outbound requests may only go to public addresses"
        )


def check_on_create(url: str, *, allow_private: bool) -> None:
    """Refuse obviously internal targets when an escalation is created.

    A name that does not resolve right now is accepted (DNS may be down for a moment): the
    delivery-time check is the real guard.
    """
    host, port = _host_port(url)
    if allow_private:
        return
    if host.rstrip(".").lower() == "localhost" or host.lower().endswith(".localhost"):
        raise UnsafeUrl(f"{url!r} points at localhost; outbound requests may only go to public addresses")
    literal = _literal(host)
    if literal is not None:
        _refuse_private(url, [literal])
        return
    try:
        _refuse_private(url, resolve(host, port))
    except OSError:
        return


def check_on_delivery(url: str, *, allow_private: bool) -> None:
    """Resolve the target now and refuse it if any address is not public (raises UnsafeUrl or OSError)."""
    host, port = _host_port(url)
    if allow_private:
        return
    literal = _literal(host)
    _refuse_private(url, [literal] if literal is not None else resolve(host, port))
