"""A fake outside world for outbound connections: a scripted resolver, a backend that dials only loopback,
and certificates for made-up names. Nothing here sends a packet beyond 127.0.0.1."""

import ipaddress
import ssl
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpcore
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from escalq.integrations.http import Address, Network

# A public address nothing may ever dial in a test (the backend below refuses it without a socket).
PUBLIC = ipaddress.ip_address("93.184.215.14")
LOOPBACK = ipaddress.ip_address("127.0.0.1")


class Resolver:
    """Answers each look-up of a name with the next of its scripted answers (the last one repeats)."""

    def __init__(self, answers: dict[str, list[list[Address]]]) -> None:
        self._answers = {name.lower(): list(rounds) for name, rounds in answers.items()}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[Address]:
        self.lookups.append(host)
        rounds = self._answers.get(host.lower())
        if not rounds:
            raise OSError(f"[fake DNS] {host} does not resolve")
        return rounds.pop(0) if len(rounds) > 1 else rounds[0]


class LoopbackOnly(httpcore.SyncBackend):
    """Dials 127.0.0.1 for real; any other address is recorded and refused before a socket exists."""

    def __init__(self) -> None:
        self.dialed: list[str] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.dialed.append(host)
        address = ipaddress.ip_address(host)  # a name here would mean a second, unchecked look-up
        if not address.is_loopback:
            raise httpcore.ConnectError(f"[fake network] no route to {host}")
        return super().connect_tcp(host, port, timeout, local_address, socket_options)


def network(answers: dict[str, list[list[Address]]], *, tls: ssl.SSLContext | None = None) -> Network:
    return Network(resolve=Resolver(answers), backend=LoopbackOnly(), tls=tls)


def resolver(net: Network) -> Resolver:
    assert isinstance(net.resolve, Resolver)
    return net.resolve


def backend(net: Network) -> LoopbackOnly:
    assert isinstance(net.backend, LoopbackOnly)
    return net.backend


def certificate(name: str, directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for `name`: the server's context and a client context trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client
