"""Two weeks of ordinary escalations, lived in memory as the services and workers would have recorded them.

Going through the services one escalation at a time takes a round trip per row and would blow the demo's
few seconds, so each life is simulated here and the rows are written in bulk (`demo.bulk`): created and
categorized, assigned round-robin (or left pending while nobody was in the pool at night), the timeout
rules firing where a claim came late, claimed, resolved, and the webhook delivered (retried sometimes).
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from escalq.models import (
    ActorKind,
    Agent,
    Escalation,
    EscalationEvent,
    Priority,
    Reviewer,
    Status,
    TaskKind,
    Warranted,
)
from escalq.services import categories, notifications, projections, repeats, timeouts
from escalq.services.audit import SYSTEM
from escalq.services.demo import outbox_rows, timing
from escalq.services.demo.catalog import NOTES, PRIORITIES, RESOLUTION_WEIGHTS, TEMPLATES, Template
from escalq.services.demo.outbox_rows import Rows

ESCALATIONS = 340


@dataclass(frozen=True)
class Staff:
    """Who the history involves; `on_call(at)` is the rotation's answer at that instant."""

    pool: list[Reviewer]
    managers: list[str]
    agents: dict[str, Agent]
    webhook_urls: dict[str, str | None]
    on_call: Callable[[datetime], list[Reviewer]]


@dataclass
class _Life:
    """One escalation and the instants of its life; `events` are (at, order, event)."""

    escalation: Escalation
    template: Template
    assign_at: datetime
    oncall_claims: bool = False  # urgent while nobody was in the pool: on-call takes it from the notice
    events: list[tuple[datetime, int, EscalationEvent]] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    """The configuration the history is lived under (the same as the running app's)."""

    rules: dict[Priority, timeouts.Rule]
    expire_after: dict[Priority, timedelta]
    retry_delays_s: list[float]


def simulate(*, rng: random.Random, staff: Staff, settings: Settings, start: datetime, now: datetime) -> Rows:
    """The history between `start` and `now`; `rng` alone decides everything, so a seed repeats it."""
    rows = Rows()
    numbers = rng.sample(range(1000, 10000), ESCALATIONS)  # one case each: no two read as repeats
    lives = [
        _open(rng=rng, staff=staff, settings=settings, at=at, number=number, now=now, rows=rows)
        for at, number in zip(
            timing.arrivals(rng, start=start, end=now, count=ESCALATIONS), numbers, strict=True
        )
    ]
    rounds = {reviewer.id: 0 for reviewer in staff.pool}
    turn = 0
    # Round-robin in the order assignments happened; a morning's waiting ones go urgent first, then oldest.
    for life in sorted(
        lives,
        key=lambda lv: (lv.assign_at, PRIORITIES.index(lv.escalation.priority), lv.escalation.created_at),
    ):
        if life.oncall_claims:
            continue
        reviewer = min(staff.pool, key=lambda r: (rounds[r.id], staff.pool.index(r)))
        turn += 1
        rounds[reviewer.id] = turn
        _assign(life, reviewer)
    failed_one = False
    for life in lives:
        gave_up = _live(
            rng=rng,
            staff=staff,
            settings=settings,
            life=life,
            now=now,
            rows=rows,
            fail_for_good=not failed_one,
        )
        failed_one = failed_one or gave_up
        rows.escalations.append(life.escalation)
        rows.events.extend(event for _, _, event in sorted(life.events, key=lambda item: item[:2]))
    rows.events.sort(key=lambda event: event.at)  # stable: each escalation's trail stays in its order
    return rows


def _open(
    *,
    rng: random.Random,
    staff: Staff,
    settings: Settings,
    at: datetime,
    number: int,
    now: datetime,
    rows: Rows,
) -> _Life:
    """The request: created, categorized by the worker, and told to on-call when nobody is in the pool."""
    template = rng.choices(TEMPLATES, weights=[sum(t.weights) for t in TEMPLATES])[0]
    priority = rng.choices(PRIORITIES, weights=template.weights)[0]
    agent = staff.agents[template.agent]
    description = template.text.format(n=number)
    context = template.context(rng, number)
    escalation = Escalation(
        source_agent=agent.name,
        issue_description=description,
        priority=priority,
        context_data=context,
        status=Status.pending,
        created_at=at,
        webhook_url=staff.webhook_urls[agent.name],
        expires_at=at + settings.expire_after[priority],
        fallback=template.fallback,
        category=categories.local_category(description),
        category_source=categories.LOCAL,
        issue_key=repeats.issue_key(description),
        repeat_key=repeats.repeat_key(description, context),
    )
    life = _Life(escalation=escalation, template=template, assign_at=timing.pool_opens(at, now=now))
    _event(life, at, "created", None, Status.pending, actor=agent)
    outbox_rows.task(
        rows, TaskKind.categorize, escalation, at=at, done_at=at + timedelta(seconds=rng.uniform(0.4, 2.5))
    )
    if life.assign_at > at:
        on_call = staff.on_call(at)
        outbox_rows.notify(rng, rows, escalation, notifications.NO_REVIEWER, on_call, at=at)
        life.oncall_claims = priority == Priority.urgent and bool(on_call)
    return life


def _assign(life: _Life, reviewer: Reviewer) -> None:
    escalation = life.escalation
    escalation.status, escalation.assigned_to, escalation.assigned_at = (
        Status.assigned,
        reviewer.id,
        life.assign_at,
    )
    details = {"assigned_to": str(reviewer.id), "reviewer": reviewer.display_name, "rule": "round_robin"}
    _event(life, life.assign_at, "assigned", Status.pending, Status.assigned, details=details)


def _live(
    *,
    rng: random.Random,
    staff: Staff,
    settings: Settings,
    life: _Life,
    now: datetime,
    rows: Rows,
    fail_for_good: bool,
) -> bool:
    """Claim, timeouts, resolution and webhook; True when this one's webhook failed for good."""
    escalation = life.escalation
    created = escalation.created_at
    latest_claim = (
        created + settings.expire_after[escalation.priority] * 0.8
    )  # nothing in the history expires
    if life.oncall_claims:
        claimant = staff.on_call(created)[0]
        claim_at = min(created + timing.minutes(rng, 50, 0.5), life.assign_at - timedelta(minutes=1))
    else:
        assignee = _by_id(staff, escalation.assigned_to)
        claimant = assignee if rng.random() < 0.85 else rng.choice(staff.pool)
        claim_at = life.assign_at + timing.claim_delay(rng, escalation.priority)
        if escalation.priority == Priority.urgent and escalation.assigned_at == created:
            outbox_rows.notify(rng, rows, escalation, notifications.URGENT_CREATED, [assignee], at=created)
    claim_at = min(claim_at, latest_claim)
    settled = now - timing.SETTLED  # what happened in the last seconds has not been worked off yet
    _timeouts(rng, staff, settings, life, unclaimed_until=min(claim_at, settled), rows=rows)
    if claim_at > settled:
        return False
    previous = escalation.status
    escalation.assigned_at = escalation.assigned_at or claim_at  # as claim() does: the first assignment
    details = (
        {}
        if escalation.assigned_to in (None, claimant.id)
        else {"previously_assigned_to": str(escalation.assigned_to)}
    )
    escalation.status, escalation.assigned_to, escalation.claimed_at = Status.claimed, claimant.id, claim_at
    _event(life, claim_at, "claimed", previous, Status.claimed, actor=claimant, details=details)
    resolve_at = claim_at + timing.resolve_delay(rng, escalation.priority)
    if resolve_at > settled:
        return False
    resolution = rng.choices(list(RESOLUTION_WEIGHTS), weights=list(RESOLUTION_WEIGHTS.values()))[0]
    escalation.status, escalation.resolved_at, escalation.resolved_by = (
        Status.resolved,
        resolve_at,
        claimant.id,
    )
    escalation.resolution, escalation.resolution_notes = resolution, rng.choice(NOTES[resolution])
    # The resolver's word on escalating: mostly warranted, every fifth not (without drawing from `rng`, so
    # the rest of the story stays as it was).
    escalation.warranted = Warranted.no if escalation.created_at.second % 5 == 0 else Warranted.yes
    _event(
        life,
        resolve_at,
        "resolved",
        Status.claimed,
        Status.resolved,
        actor=claimant,
        details={"resolution": resolution},
    )
    if escalation.webhook_url is None:
        return False
    body = projections.resolved_event(escalation=escalation, resolver=claimant)
    give_up = fail_for_good and now - resolve_at > timedelta(seconds=sum(settings.retry_delays_s) * 1.3)
    outbox_rows.deliver(
        rng, rows, escalation, body, at=resolve_at, now=now, delays=settings.retry_delays_s, give_up=give_up
    )
    return give_up


def _timeouts(
    rng: random.Random,
    staff: Staff,
    settings: Settings,
    life: _Life,
    *,
    unclaimed_until: datetime,
    rows: Rows,
) -> None:
    """The scheduler's timeout rules, fired once (within its minute) where the escalation waited too long."""
    escalation = life.escalation
    rule = settings.rules.get(escalation.priority)
    action = rule.action if rule is not None else None
    if rule is None or action is None:
        return
    fired = escalation.created_at + rule.after + timedelta(seconds=rng.uniform(1, 59))
    if fired >= unclaimed_until:
        return
    setattr(escalation, action.marker, fired)
    status = Status.assigned if escalation.assigned_at and escalation.assigned_at <= fired else Status.pending
    _event(life, fired, action.event, status, status, details=timeouts.rule_details(rule))
    if action.notice == notifications.ONCALL_TIMEOUT:
        outbox_rows.notify(rng, rows, escalation, action.notice, staff.on_call(fired), at=fired)
    elif action.notice == notifications.MANAGER_TIMEOUT:
        managers = [r for r in staff.pool if r.email in staff.managers]
        outbox_rows.notify(rng, rows, escalation, action.notice, managers, at=fired)


def _event(
    life: _Life,
    at: datetime,
    action: str,
    from_status: Status | None,
    to_status: Status,
    *,
    actor: Agent | Reviewer | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit event as `audit.record_event` writes it."""
    kind = (
        ActorKind.system
        if actor is None
        else ActorKind.agent
        if isinstance(actor, Agent)
        else ActorKind.reviewer
    )
    name = SYSTEM if actor is None else actor.name if isinstance(actor, Agent) else actor.display_name
    event = EscalationEvent(
        escalation_id=life.escalation.id,
        at=at,
        actor_kind=kind,
        actor_id=None if actor is None else actor.id,
        actor_name=name,
        action=action,
        from_status=from_status,
        to_status=to_status,
        details=details or {},
    )
    life.events.append((at, len(life.events), event))


def _by_id(staff: Staff, reviewer_id: uuid.UUID | None) -> Reviewer:
    return next(r for r in staff.pool if r.id == reviewer_id)
