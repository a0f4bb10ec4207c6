"""Telling people: Slack and email about urgent and stale escalations."""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from escalq import sitemap
from escalq.integrations import email, slack
from escalq.models import (
    Channel,
    Escalation,
    Notification,
    NotificationStatus,
    Priority,
    Reviewer,
    Role,
    TaskKind,
)
from escalq.services import masking, oncall, outbox, urls
from escalq.services.text import shorten

URGENT_CREATED = "urgent_created"
NO_REVIEWER = "no_reviewer"
ONCALL_TIMEOUT = "oncall_timeout"
MANAGER_TIMEOUT = "manager_timeout"
_HEADLINES = {
    URGENT_CREATED: "Urgent escalation",
    NO_REVIEWER: "Escalation waiting: no reviewer is in the pool",
    # The policy decides which priority's timeout asks whom, and after how long.
    ONCALL_TIMEOUT: "{priority} escalation unclaimed past its timeout",
    MANAGER_TIMEOUT: "{priority} escalation unclaimed past its timeout (for the managers)",
}


@dataclass(frozen=True)
class Channels:
    """Which channels are configured (an unconfigured one is skipped) and what they may reach."""

    slack_webhook_url: str | None
    smtp: email.SmtpConfig | None
    timeout_s: float
    public_url: str
    reach: urls.Reach = field(default_factory=urls.Reach)


def on_call_emails(*, session: Session, now: datetime) -> list[str]:
    """Whoever is on call at `now`: the rotation (or its override) and the reviewers flagged on call."""
    return [reviewer.email for reviewer in oncall.on_call_at(session=session, at=now)]


def manager_emails(*, session: Session, now: datetime) -> list[str]:
    """Every manager (`now` only keeps the signature alike with on_call_emails)."""
    query = select(Reviewer.email).where(col(Reviewer.role) == Role.manager).order_by(col(Reviewer.email))
    return list(session.exec(query))


def queue(
    *,
    session: Session,
    escalation: Escalation,
    kind: str,
    emails: list[str],
    channels: Channels,
    now: datetime,
) -> list[Notification]:
    """Record one notification per channel and recipient, each with its outbox task."""
    targets = [(Channel.slack, "slack")] if channels.slack_webhook_url else []
    if channels.smtp is not None:
        targets += [(Channel.email, address) for address in dict.fromkeys(emails)]
    created = []
    for channel, recipient in targets:
        notification = Notification(
            escalation_id=escalation.id,
            channel=channel,
            recipient=recipient,
            kind=kind,
            status=NotificationStatus.pending,
            created_at=now,
        )
        session.add(notification)
        session.flush()
        outbox.record(
            session=session,
            kind=TaskKind.notification,
            escalation_id=escalation.id,
            payload={"notification_id": str(notification.id)},
            now=now,
        )
        created.append(notification)
    return created


def queue_on_create(*, session: Session, escalation: Escalation, channels: Channels, now: datetime) -> None:
    """Nobody to take it: tell on-call at once, whatever the priority. Urgent: tell its assignee."""
    if escalation.assigned_to is None:
        emails = on_call_emails(session=session, now=now)
        queue(
            session=session,
            escalation=escalation,
            kind=NO_REVIEWER,
            emails=emails,
            channels=channels,
            now=now,
        )
    elif escalation.priority == Priority.urgent:
        assignee = session.get(Reviewer, escalation.assigned_to)
        emails = [assignee.email] if assignee is not None else []
        queue(
            session=session,
            escalation=escalation,
            kind=URGENT_CREATED,
            emails=emails,
            channels=channels,
            now=now,
        )


def message(*, session: Session, escalation: Escalation, kind: str, public_url: str) -> tuple[str, str]:
    """Subject and plain text of a notification, with secrets and personal data masked.

    The full context stays in escalq for the reviewer; only a masked excerpt goes out.
    """
    assignee = session.get(Reviewer, escalation.assigned_to) if escalation.assigned_to else None
    link = public_url.rstrip("/") + sitemap.DETAIL.path(escalation_id=escalation.id)
    # Mask before shortening: a secret cut in half by the excerpt would no longer be recognised.
    short = shorten(masking.mask(escalation.issue_description), 300)
    context = shorten(masking.mask(json.dumps(escalation.context_data, ensure_ascii=False)), 500)
    headline = _HEADLINES.get(kind, "Escalation").format(priority=escalation.priority.value.capitalize())
    subject = f"[escalq] {headline}: {shorten(short, 80)}"
    text = (
        f"{headline}\n"
        f"Priority: {escalation.priority.value}\n"
        f"Agent: {escalation.source_agent}\n"
        f"Description: {short}\n"
        f"Context: {context}\n"
        f"Assignee: {assignee.display_name if assignee else 'nobody yet'}\n"
        f"Open: {link}\n"
    )
    return subject, text


def deliver(*, session: Session, notification_id: uuid.UUID, channels: Channels) -> Notification | None:
    """Send one notification; raises on a failure the caller may retry. None if it no longer exists."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.status == NotificationStatus.sent:
        return notification
    escalation = session.get(Escalation, notification.escalation_id)
    assert escalation is not None
    subject, text = message(
        session=session, escalation=escalation, kind=notification.kind, public_url=channels.public_url
    )
    if notification.channel == Channel.slack:
        if not channels.slack_webhook_url:
            raise RuntimeError("Slack is no longer configured (ESCALQ_SLACK_WEBHOOK_URL)")
        urls.target(channels.slack_webhook_url, field="ESCALQ_SLACK_WEBHOOK_URL")
        blocks: list[dict[str, object]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        slack.post(
            webhook_url=channels.slack_webhook_url,
            text=text,
            blocks=blocks,
            timeout_s=channels.timeout_s,
            gate=channels.reach,
        )
    else:
        if channels.smtp is None:
            raise RuntimeError("email is no longer configured (ESCALQ_SMTP_HOST)")
        email.send(
            config=channels.smtp, to=notification.recipient, subject=subject, body=text, gate=channels.reach
        )
    return notification


def mark(
    *,
    session: Session,
    notification: Notification,
    status: NotificationStatus,
    error: str | None,
    now: datetime,
) -> None:
    """Record an attempt's outcome: sent, still pending (will retry) or failed for good."""
    notification.status, notification.error = status, error
    notification.attempts += 1
    if status == NotificationStatus.sent:
        notification.sent_at = now
    session.add(notification)


def for_escalation(*, session: Session, escalation_id: uuid.UUID) -> list[Notification]:
    query = select(Notification).where(col(Notification.escalation_id) == escalation_id)
    return list(session.exec(query.order_by(col(Notification.created_at))))
