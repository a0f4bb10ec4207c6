"""Email over SMTP with the standard library."""

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str
    timeout_s: float


def send(*, config: SmtpConfig, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; SMTP errors propagate for the caller to retry."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    message.set_content(body)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message)
