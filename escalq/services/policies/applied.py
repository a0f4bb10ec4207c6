"""The active policy's values in the shapes the services take (thresholds, limits, outbound config)."""

from dataclasses import replace
from datetime import timedelta

from escalq.models import Priority
from escalq.schemas.policy import PolicyDocument, TimeoutAction
from escalq.services.limits import Limits
from escalq.services.outbound import Outbound
from escalq.services.policies.versions import Policy


def thresholds(document: PolicyDocument) -> dict[Priority, timedelta]:
    """How long each priority may wait unclaimed before its timeout rule fires."""
    return {
        Priority.urgent: timedelta(minutes=document.timeouts.urgent_oncall_after_min),
        Priority.high: timedelta(minutes=document.timeouts.high_bump_after_min),
        Priority.medium: timedelta(minutes=document.timeouts.medium_managers_after_min),
    }


def timeout_actions(document: PolicyDocument) -> dict[Priority, TimeoutAction]:
    """What each priority's timeout does when it fires."""
    return {
        Priority.urgent: document.timeouts.urgent_action,
        Priority.high: document.timeouts.high_action,
        Priority.medium: document.timeouts.medium_action,
    }


def fallbacks(document: PolicyDocument) -> dict[Priority, str | None]:
    """What the agent is told to do when an escalation of each priority expires without its own fallback."""
    expiry = document.expiry
    return {
        Priority.urgent: expiry.urgent_fallback,
        Priority.high: expiry.high_fallback,
        Priority.medium: expiry.medium_fallback,
        Priority.low: expiry.low_fallback,
    }


def expire_after(document: PolicyDocument) -> dict[Priority, timedelta]:
    expiry = document.expiry
    return {
        Priority.urgent: timedelta(minutes=expiry.urgent_after_min),
        Priority.high: timedelta(minutes=expiry.high_after_min),
        Priority.medium: timedelta(minutes=expiry.medium_after_min),
        Priority.low: timedelta(minutes=expiry.low_after_min),
    }


def limits(document: PolicyDocument, *, base: Limits) -> Limits:
    """`base` (its counter) with the policy's sizes, agent defaults and loop detection."""
    return replace(
        base,
        max_context_bytes=document.context.max_context_bytes,
        max_description_chars=document.context.max_description_chars,
        per_minute=document.agent_limits.rate_per_minute,
        per_day=document.agent_limits.daily_budget,
        similarity=document.loops.similarity,
        loop_window=timedelta(minutes=document.loops.window_min),
    )


def outbound(base: Outbound, policy: Policy) -> Outbound:
    """`base` (how escalq reaches the outside) with what the policy decides, stamped with its version."""
    document = policy.document
    channels = replace(
        base.channels,
        slack_webhook_url=base.channels.slack_webhook_url if document.notifications.slack else None,
        smtp=base.channels.smtp if document.notifications.email else None,
    )
    return replace(
        base,
        channels=channels,
        expire_after=expire_after(document),
        limits=limits(document, base=base.limits),
        policy_version=policy.number,
    )
