"""The one way escalq opens outbound connections: to exactly the addresses that passed the check.

A host name is resolved once per connection, every address it gave is checked, and the socket is
connected to one of those very addresses; nothing resolves the name a second time (DNS rebinding).
TLS still verifies the certificate for the host name and sends it as SNI, and HTTP keeps it in `Host`.
"""

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[Address]]


def system_resolve(host: str, port: int) -> list[Address]:
    """Every address the host resolves to (raises OSError when it does not resolve)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


@lru_cache
def _default_tls() -> ssl.SSLContext:
    return httpx.create_ssl_context(trust_env=False)


@dataclass(frozen=True)
class Network:
    """How names are looked up, sockets opened and certificates trusted; tests hand in a fake world."""

    resolve: Resolver = system_resolve
    backend: httpcore.NetworkBackend = field(default_factory=httpcore.SyncBackend)
    tls: ssl.SSLContext | None = None  # None: the certifi bundle httpx uses

    def tls_context(self) -> ssl.SSLContext:
        return self.tls or _default_tls()


class Gate(Protocol):
    """What may be reached; `escalq.services.urls.Reach` is the one escalq uses."""

    @property
    def network(self) -> Network: ...

    def addresses(self, host: str, port: int) -> list[Address]:
        """Resolve `host` once and return its addresses; raise when any of them may not be reached."""
        ...


class PinnedBackend(httpcore.NetworkBackend):
    """An httpcore network backend that connects only to the addresses its gate checked."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._gate.addresses(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                # An address literal: the backend opens the socket without looking anything up.
                return self._gate.network.backend.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("outbound connections go over TCP only")

    def sleep(self, seconds: float) -> None:
        self._gate.network.backend.sleep(seconds)


def open_socket(*, gate: Gate, host: str, port: int, timeout: float | None) -> socket.socket:
    """A plain TCP socket to a checked address of `host`, for protocols other than HTTP (SMTP)."""
    stream = PinnedBackend(gate).connect_tcp(host, port, timeout=timeout)
    sock = stream.get_extra_info("socket")
    assert isinstance(sock, socket.socket)
    return sock


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool built on the pinned backend."""

    def __init__(self, gate: Gate) -> None:
        tls = gate.network.tls_context()
        super().__init__(verify=tls, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            # Fail loudly rather than send through a pool that would resolve names itself.
            raise RuntimeError("this httpx version keeps its pool elsewhere: pinned connections unavailable")
        self._pool = httpcore.ConnectionPool(ssl_context=tls, network_backend=PinnedBackend(gate))


def client(*, timeout_s: float, gate: Gate) -> httpx.Client:
    """A client that connects only through `gate` and never follows redirects (a redirect could lead
    a webhook to an internal address)."""
    return httpx.Client(
        transport=_PinnedTransport(gate),
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        follow_redirects=False,
        headers={"User-Agent": "escalq-webhooks/1"},
        trust_env=False,
    )
