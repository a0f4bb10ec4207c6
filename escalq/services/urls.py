"""Outbound URL safety: what agents and operators configure may not reach our own network (SSRF).

Two checks, both at creation and again on every connection: the URL must be read alike by every
parser (no userinfo, backslashes, whitespace or control characters), and every address its host
resolves to must be public, IPv6 forms that carry an IPv4 address being judged by that IPv4 address.
The connection then goes to exactly the address that was checked (`escalq.integrations.http`).
"""

import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from escalq.integrations.http import Address, Network
from escalq.services.errors import Invalid

WEBHOOK_FIELD = "webhook_url"
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"[^\W_][\w-]*", re.UNICODE)
# IPv6 ranges that carry an IPv4 address in their last 32 bits: IPv4-translated (SIIT),
# IPv4-compatible (deprecated) and the well-known NAT64 prefix. Mapped, 6to4 and Teredo have
# their own accessors in `ipaddress`.
_IPV4_IN_LOW_BITS = tuple(ipaddress.IPv6Network(n) for n in ("::ffff:0:0:0/96", "::/96", "64:ff9b::/96"))
# Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the site; it is never public.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class UnsafeUrl(Invalid):
    """The URL is ambiguous or points at an address outbound connections may not reach."""

    def __init__(self, message: str, *, field: str = WEBHOOK_FIELD) -> None:
        super().__init__(message, field=field)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 transition address stands for (mapped, translated, compatible,
    NAT64, 6to4, Teredo server and client); empty for a plain IPv6 address."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if any(address in network for network in _IPV4_IN_LOW_BITS):
        return [ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def is_public(address: Address) -> bool:
    """Only globally routable unicast addresses are fair game (no loopback, private, link-local, metadata)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        inner = embedded_ipv4(address)
        if inner:
            return all(is_public(ipv4) for ipv4 in inner)
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Reach:
    """Which addresses outbound connections may reach, and the network they go over.

    Public addresses always; any address with `allow_private` (agent webhooks on a local demo);
    private addresses inside `private_networks` too (the operator's own SMTP relay or model server).
    """

    allow_private: bool = False
    private_networks: tuple[IPNetwork, ...] = ()
    network: Network = field(default_factory=Network)
    hint: str = ""

    def may_reach(self, address: Address) -> bool:
        if self.allow_private or is_public(address):
            return True
        inner = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else []
        return any(
            candidate in network
            for candidate in (address, *inner)
            for network in self.private_networks
            if candidate.version == network.version
        )

    def addresses(self, host: str, port: int) -> list[Address]:
        """Resolve `host` once (an address literal is used as it is); raise UnsafeUrl if any
        address may not be reached, OSError when the name does not resolve."""
        literal = _literal(host)
        found = [literal] if literal is not None else self.network.resolve(host, port)
        blocked = sorted({str(a) for a in found if not self.may_reach(a)})
        if blocked:
            raise UnsafeUrl(
                f"{host!r} points at a private, loopback or link-local address ({', '.join(blocked)}); "
                f"outbound requests may only go to public addresses{self.hint}"
            )
        return found


@dataclass(frozen=True)
class Target:
    """Where a URL leads, as every parser reads it."""

    scheme: str
    host: str
    port: int


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _hidden_characters(url: str) -> bool:
    return "\\" in url or any(
        char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in url
    )


def _valid_host(host: str) -> bool:
    if _literal(host) is not None:
        return True
    labels = host.removesuffix(".").split(".")
    return all(_LABEL.fullmatch(label) for label in labels)


def target(url: str, *, field: str = WEBHOOK_FIELD) -> Target:
    """Where `url` leads; UnsafeUrl unless it is an absolute http(s) URL that urllib and httpx
    read as the same scheme, host and port, without credentials or characters that hide a host."""

    def refuse(reason: str) -> UnsafeUrl:
        return UnsafeUrl(f"{url!r} {reason}", field=field)

    if _hidden_characters(url):
        raise refuse("contains a backslash, whitespace or a control character")
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise refuse("is not an absolute http(s) URL")
    if "@" in parts.netloc:
        raise refuse("carries a user name or password (user:pass@); outbound URLs may not")
    try:
        port = _DEFAULT_PORTS[parts.scheme] if parts.port is None else parts.port
        theirs = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as error:
        raise refuse(f"is not a valid URL: {error}") from error
    if not 0 < port < 65536:
        raise refuse(f"has an invalid port ({port})")
    ours = Target(scheme=parts.scheme, host=parts.hostname.lower(), port=port)
    their_port = _DEFAULT_PORTS.get(theirs.scheme, 0) if theirs.port is None else theirs.port
    read_by_httpx = Target(scheme=theirs.scheme, host=theirs.host.lower(), port=their_port)
    if ours != read_by_httpx:
        raise refuse(
            f"is ambiguous: read as {ours.host}:{ours.port} and as {read_by_httpx.host}:{read_by_httpx.port}"
        )
    if not _valid_host(ours.host):
        raise refuse(f"has an invalid host name ({ours.host!r})")
    return ours


def check_on_create(url: str, *, reach: Reach) -> None:
    """Refuse ambiguous URLs and obviously internal targets when an escalation is created.

    A name that does not resolve right now is accepted (DNS may be down for a moment): the
    connection-time check is the real guard.
    """
    where = target(url)
    if reach.allow_private:
        return
    if where.host.rstrip(".") == "localhost" or where.host.rstrip(".").endswith(".localhost"):
        raise UnsafeUrl(f"{url!r} points at localhost; outbound requests may only go to public addresses")
    try:
        reach.addresses(where.host, where.port)
    except OSError:
        return
