"""Outbound configuration: retries, URL policy, notification channels and the categorizer."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from escalq.config import Settings, get_settings
from escalq.integrations import email, http, llm
from escalq.models import Priority
from escalq.services import notifications, urls
from escalq.services.limits import Limits

# Said when an integration is refused a private address: the operator may allow it.
INTEGRATIONS_HINT = (
    " (private networks that Slack, SMTP and the OpenAI base URL may reach are listed in "
    "ESCALQ_INTEGRATIONS_PRIVATE_NETWORKS)"
)


@dataclass(frozen=True)
class Outbound:
    """What escalq accepts and how it reaches the outside world, from the settings; tests hand in theirs."""

    delays: Sequence[float]
    lease: timedelta
    webhook_timeout_s: float
    allow_private: bool
    channels: notifications.Channels
    ask_llm: Callable[[str, list[str]], str] | None
    llm_source: str
    expire_after: dict[Priority, timedelta] = field(default_factory=lambda: expiry_defaults(Settings()))
    limits: Limits = field(default_factory=lambda: Limits.from_settings(Settings()))
    network: http.Network = field(default_factory=http.Network)
    # The policy version that set expire_after, limits and the channels in use (services.policies).
    policy_version: int | None = None

    @property
    def webhook_reach(self) -> urls.Reach:
        """Where agents' webhooks may go: public addresses, or anywhere with `allow_private`."""
        return urls.Reach(allow_private=self.allow_private, network=self.network)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Outbound":
        network = http.Network()
        integrations = urls.Reach(
            private_networks=tuple(settings.integrations_private_networks),
            network=network,
            hint=INTEGRATIONS_HINT,
        )
        smtp = (
            email.SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                starttls=settings.smtp_starttls,
                sender=settings.smtp_from,
                timeout_s=settings.smtp_timeout_s,
            )
            if settings.smtp_host
            else None
        )
        ask = None
        if settings.openai_api_key:
            key, base_url, model, timeout = (
                settings.openai_api_key,
                settings.openai_base_url,
                settings.openai_model,
                settings.openai_timeout_s,
            )

            def ask(description: str, known: list[str]) -> str:
                if base_url is not None:
                    urls.target(base_url, field="ESCALQ_OPENAI_BASE_URL")
                return llm.categorize(
                    api_key=key,
                    base_url=base_url,
                    model=model,
                    timeout_s=timeout,
                    gate=integrations,
                    description=description,
                    known=known,
                )

        return cls(
            delays=settings.retry_delays_s,
            lease=timedelta(seconds=settings.task_lease_s),
            webhook_timeout_s=settings.webhook_timeout_s,
            allow_private=settings.allow_private_webhooks,
            channels=notifications.Channels(
                slack_webhook_url=settings.slack_webhook_url,
                smtp=smtp,
                timeout_s=settings.smtp_timeout_s,
                public_url=settings.public_url,
                reach=integrations,
            ),
            ask_llm=ask,
            llm_source=f"openai:{settings.openai_model}",
            expire_after=expiry_defaults(settings),
            limits=Limits.from_settings(settings),
            network=network,
        )


def expiry_defaults(settings: Settings) -> dict[Priority, timedelta]:
    """How long each priority may wait unclaimed before it expires, unless the agent asked otherwise."""
    return {
        Priority.urgent: timedelta(minutes=settings.expire_urgent_after_min),
        Priority.high: timedelta(minutes=settings.expire_high_after_min),
        Priority.medium: timedelta(minutes=settings.expire_medium_after_min),
        Priority.low: timedelta(minutes=settings.expire_low_after_min),
    }


@lru_cache
def configured() -> Outbound:
    """The process-wide outbound configuration."""
    return Outbound.from_settings(get_settings())
