"""Demo data for `make run`: people to log in as, an agent and a queue to work."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from escalq.models import Escalation, Priority, Reviewer, Role
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations
from escalq.services.outbound import configured
from escalq.services.people import create_agent, create_reviewer

DEMO_PASSWORD = "escalq-demo-queue"
DEMO_REVIEWERS = (
    ("admin@escalq.test", "Ada Admin", Role.admin),
    ("manager@escalq.test", "Max Manager", Role.manager),
    ("riley@escalq.test", "Riley Reviewer", Role.reviewer),
    ("sam@escalq.test", "Sam Reviewer", Role.reviewer),
)
DEMO_ESCALATIONS = (
    ("Refund of $2,400 exceeds my approval limit", Priority.urgent, {"order_id": "A-1042", "amount": 2400}),
    ("Customer asks to delete all their data (GDPR)", Priority.high, {"customer_id": "C-77", "region": "EU"}),
    ("Unusual login pattern on an admin account", Priority.urgent, {"account": "ops-admin", "ips": 14}),
    ("Contract clause 7.2 is ambiguous about renewal", Priority.medium, {"contract": "MSA-2024-19"}),
    (
        "Vendor invoice does not match purchase order",
        Priority.medium,
        {"invoice": "INV-3391", "delta": 118.5},
    ),
    ("Should I send the quarterly newsletter draft?", Priority.low, {"draft_id": "NL-Q3"}),
)


@dataclass(frozen=True)
class DemoSeed:
    """What was seeded: the logins share DEMO_PASSWORD; the agent key is shown once."""

    reviewer_emails: list[str]
    agent_name: str
    agent_api_key: str
    webhook_secret: str
    escalation_count: int


def is_empty(*, session: Session) -> bool:
    """True when no reviewer exists yet (a fresh database)."""
    return session.exec(select(Reviewer).limit(1)).first() is None


def seed(*, session: Session, now: datetime) -> DemoSeed:
    """Create demo reviewers, one agent and a spread of escalations of different ages."""
    for email, name, role in DEMO_REVIEWERS:
        create_reviewer(
            session=session, email=email, display_name=name, password=DEMO_PASSWORD, role=role, now=now
        )
    agent = create_agent(session=session, name="support-bot", now=now)
    for age, (description, priority, context) in enumerate(DEMO_ESCALATIONS):
        data = EscalationCreate(issue_description=description, priority=priority, context_data=context)
        escalations.create(
            session=session,
            data=data,
            agent=agent.agent,
            outbound=configured(),
            now=now - timedelta(minutes=17 * (len(DEMO_ESCALATIONS) - age)),
        )
    count = len(session.exec(select(Escalation.id)).all())
    return DemoSeed(
        reviewer_emails=[email for email, _, _ in DEMO_REVIEWERS],
        agent_name=agent.agent.name,
        agent_api_key=agent.api_key,
        webhook_secret=agent.webhook_secret,
        escalation_count=count,
    )
