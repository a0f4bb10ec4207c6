"""Demo data for `make run` and `escalq demo`: two weeks of a small team's work, the same for the same seed.

Five agents and four reviewers (the logins), an on-call rotation with an override running now, a few
hundred escalations lived out by `history` and written in bulk, then the named cases (`stories`) played
through the real services. Everything outbound is already worked off: no task is left for a worker.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel import Session, func, select

from escalq.config import Settings, get_settings
from escalq.integrations import email
from escalq.models import Escalation, Reviewer, Role
from escalq.services import assignment, notifications, oncall, policies, timeouts
from escalq.services.demo import bulk, history, stories
from escalq.services.demo.catalog import AGENTS, DEMO_PASSWORD, DEMO_REVIEWERS, MAIN_AGENT
from escalq.services.outbound import Outbound, configured
from escalq.services.people import create_agent, create_reviewer

__all__ = ["DAYS", "DEMO_PASSWORD", "DemoSeed", "is_empty", "seed"]
DAYS = 14
SEED = 14


@dataclass(frozen=True)
class DemoSeed:
    """What was seeded: the logins share DEMO_PASSWORD; the agent key is shown once."""

    reviewer_emails: list[str]
    agent_name: str
    agent_api_key: str
    webhook_secret: str
    escalation_count: int
    stories: stories.Told


def is_empty(*, session: Session) -> bool:
    """True when no reviewer exists yet (a fresh database)."""
    return session.exec(select(Reviewer).limit(1)).first() is None


def seed(*, session: Session, now: datetime, seed: int = SEED) -> DemoSeed:
    """Two weeks up to `now`; the same `now` and `seed` give the same rows but for ids, keys and hashes."""
    settings = get_settings()
    policy = policies.current(session)
    start = now - timedelta(days=DAYS)
    joined = start - timedelta(days=1)
    people = {
        email: create_reviewer(
            session=session, email=email, display_name=name, password=DEMO_PASSWORD, role=role, now=joined
        )
        for email, name, role in DEMO_REVIEWERS
    }
    made = {name: create_agent(session=session, name=name, now=joined) for name in AGENTS}
    agents = {name: new.agent for name, new in made.items()}
    riley, sam, manager = (
        people["riley@escalq.test"],
        people["sam@escalq.test"],
        people["manager@escalq.test"],
    )
    _rotation(session=session, members=[riley, sam, manager], start=start, now=now)
    rng = random.Random(seed)
    rows = history.simulate(
        rng=rng,
        staff=history.Staff(
            pool=list(people.values()),
            managers=[r.email for r in people.values() if r.role == Role.manager],
            agents=agents,
            webhook_urls=AGENTS,
            on_call=lambda at: oncall.on_call_at(session=session, at=at),
        ),
        settings=history.Settings(
            rules=timeouts.rules(policy.document),
            expire_after=policies.expire_after(policy.document),
            retry_delays_s=list(settings.retry_delays_s),
        ),
        start=start,
        now=now,
    )
    session.flush()  # the people, before the bulk rows that name them
    assignment.restart_rotation(session=session)  # the stories' assignments, the same on every seed
    for table in (rows.escalations, rows.events, rows.tasks, rows.notifications, rows.deliveries):
        bulk.insert_all(session=session, rows=table)
    cast = stories.Cast(
        agents=agents,
        urls=AGENTS,
        riley=riley,
        sam=sam,
        outbound=_outbound(settings, policy),
        fallbacks=policies.fallbacks(policy.document),
    )
    told = stories.tell(session=session, cast=cast, rng=rng, now=now)
    main = made[MAIN_AGENT]
    return DemoSeed(
        reviewer_emails=list(people),
        agent_name=main.agent.name,
        agent_api_key=main.api_key,
        webhook_secret=main.webhook_secret,
        escalation_count=session.exec(select(func.count()).select_from(Escalation)).one(),
        stories=told,
    )


def _rotation(*, session: Session, members: list[Reviewer], start: datetime, now: datetime) -> None:
    """Daily shifts handed over at 09:00 in Berlin, and someone covering the shift in progress."""
    rotation = oncall.set_rotation(
        session=session,
        name="Primary",
        timezone="Europe/Berlin",
        handover_time=time(9),
        shift_hours=24,
        member_ids=[r.id for r in members],
        anchor_date=start.date(),
        now=start - timedelta(days=1),
    )
    shift = oncall.shift_at(rotation, now)
    on_shift = members[shift.index % len(members)]
    cover = members[(shift.index + 1) % len(members)]
    oncall.add_override(
        session=session,
        reviewer_id=cover.id,
        starts_at=now - timedelta(hours=3),
        ends_at=shift.ends_at + timedelta(hours=1) if shift.ends_at > now else now + timedelta(hours=6),
        reason=f"Covering for {on_shift.display_name} (dentist)",
        now=now - timedelta(hours=4),
    )


def _outbound(settings: Settings, policy: policies.Policy) -> Outbound:
    """The app's configuration under the active policy, with email as the notice channel the history had
    (nothing is sent now), and webhook URLs taken as given: checking the demo's `.example` hosts would ask
    DNS about them."""
    running = policies.outbound(configured(), policy)
    smtp = email.SmtpConfig(
        host="smtp.acme.example",
        port=587,
        username=None,
        password=None,
        starttls=True,
        sender="escalq@acme.example",
        timeout_s=settings.smtp_timeout_s,
    )
    channels = notifications.Channels(
        slack_webhook_url=None, smtp=smtp, timeout_s=settings.smtp_timeout_s, public_url=settings.public_url
    )
    return Outbound(
        delays=running.delays,
        lease=running.lease,
        webhook_timeout_s=running.webhook_timeout_s,
        allow_private=True,
        channels=channels,
        ask_llm=None,
        llm_source="local",
        expire_after=running.expire_after,
        limits=running.limits,
        policy_version=running.policy_version,
    )
