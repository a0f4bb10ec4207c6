"""Email over SMTP with the standard library, connected through the pinned-address gate."""

import smtplib
import socket
from dataclasses import dataclass
from email.message import EmailMessage

from escalq.integrations import http


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str
    timeout_s: float


class _PinnedSMTP(smtplib.SMTP):
    """smtplib's client with its socket opened to a checked address; STARTTLS still verifies `host`."""

    def __init__(self, *, gate: http.Gate, host: str, port: int, timeout: float) -> None:
        self._gate = gate
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return http.open_socket(gate=self._gate, host=host, port=port, timeout=timeout)


def send(*, config: SmtpConfig, to: str, subject: str, body: str, gate: http.Gate) -> None:
    """Send one plain-text message; SMTP errors propagate for the caller to retry."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    message.set_content(body)
    with _PinnedSMTP(gate=gate, host=config.host, port=config.port, timeout=config.timeout_s) as smtp:
        if config.starttls:
            # smtplib's default context checks no certificate: verify the relay's, for its configured name.
            smtp.starttls(context=gate.network.tls_context())
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message)
