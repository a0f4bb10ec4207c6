"""The life of an escalation: created by an agent, assigned, claimed and resolved by people."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, union_all
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from escalq.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Agent,
    Escalation,
    EscalationEvent,
    OncallRotation,
    Priority,
    Reviewer,
    Status,
    Task,
    TaskKind,
    Warranted,
)
from escalq.schemas.escalation import EscalationCreate, PoolStatus
from escalq.services import contract, notifications, outbox, projections, repeats, urls, webhooks
from escalq.services.assignment import next_reviewer
from escalq.services.audit import event_values, events_for, record_event
from escalq.services.auth import Principal, is_supervisor
from escalq.services.errors import Conflict, Forbidden, Invalid, NotFound
from escalq.services.limits import admit, check_size
from escalq.services.outbound import Outbound

_TRIES = 3  # a repeat's open escalation closing between the insert and the fold: insert again


@dataclass(frozen=True)
class Created:
    """What a create request did: a new escalation, or a repeat folded into an open one."""

    escalation: Escalation
    duplicate: bool


def create(
    *,
    session: Session,
    data: EscalationCreate,
    agent: Agent,
    outbound: Outbound,
    now: datetime,
    rule: str | None = None,
    sampled: bool = False,
) -> Created:
    """Open an escalation for `agent`, hand it to the next reviewer, and queue what must follow.

    A repeat of one of the agent's open escalations is folded into it (counted, audited, no new row);
    a repeat of one resolved within the loop window is created but flagged `loop_suspected`.
    Categorization and notifications are outbox tasks in this same transaction. `rule` and `sampled`
    record why the decision gate opened it (services.evaluations).
    """
    if data.source_agent is not None and data.source_agent != agent.name:
        raise Forbidden(
            f"source_agent {data.source_agent!r} does not match the API key's agent {agent.name!r}; "
            "leave it out, it is taken from the key"
        )
    limits = outbound.limits
    check_size(data, limits=limits)
    contract.validate_context(agent=agent, context_data=data.context_data)
    if data.webhook_url is not None:
        urls.check_on_create(data.webhook_url, reach=outbound.webhook_reach)
    expires_at = expiry_for(data, now=now, defaults=outbound.expire_after)
    admit(session=session, agent=agent, limits=limits, now=now)
    issue_key = repeats.issue_key(data.issue_description)
    repeat_key = repeats.repeat_key(data.issue_description, data.context_data)
    reviewer, turn_taken = None, False  # whose turn it is: taken once, just before the first insert
    for _ in range(_TRIES):
        earlier = repeats.prior(
            session=session,
            agent=agent,
            dedupe_key=data.dedupe_key,
            issue=issue_key,
            key=repeat_key,
            since=now - limits.loop_window,
        )
        if earlier is not None and earlier.open:
            existing = repeats.lock_open(session=session, escalation_id=earlier.id)
            if existing is not None:
                _fold(session=session, escalation=existing, agent=agent, data=data, now=now)
                return Created(escalation=existing, duplicate=True)
            continue  # it closed in between: look again
        loop_of = earlier.id if earlier is not None else None
        if not turn_taken:
            # Before the insert, so the row is written assigned in one statement. A turn taken by a request
            # that then folds into a concurrent twin is skipped: only racing repeats cost one.
            reviewer, turn_taken = next_reviewer(session=session), True
        values = {
            "id": uuid.uuid4(),
            "source_agent": agent.name,
            "issue_description": data.issue_description,
            "priority": data.priority,
            "context_data": data.context_data,
            "webhook_url": data.webhook_url,
            "status": Status.pending if reviewer is None else Status.assigned,
            "assigned_to": None if reviewer is None else reviewer.id,
            "assigned_at": None if reviewer is None else now,
            "created_at": now,
            "expires_at": expires_at,
            "fallback": data.fallback,
            "dedupe_key": data.dedupe_key,
            "issue_key": issue_key,
            "repeat_key": repeat_key,
            "loop_suspected": loop_of is not None,
            "related_to": loop_of,
            "policy_version": outbound.policy_version,
            "rule": rule,
            "sampled": sampled,
        }
        details = {"loop_suspected_of": str(loop_of)} if loop_of is not None else {}
        events = [
            event_values(
                action="created",
                from_status=None,
                to_status=Status.pending,
                actor=Principal(agent=agent),
                now=now,
                details=details,
            )
        ]
        if reviewer is not None:
            events.append(_assigned_values(reviewer=reviewer, now=now))
        task = outbox.task_values(kind=TaskKind.categorize, payload={}, now=now)
        escalation = _insert(session=session, values=values, events=events, task=task)
        if escalation is not None:
            break
        # A concurrent request inserted the same repeat first (we waited for its commit): fold into it.
    else:
        raise Conflict("an escalation like this one is being opened and closed concurrently; try again")
    notifications.queue_on_create(session=session, escalation=escalation, channels=outbound.channels, now=now)
    return Created(escalation=escalation, duplicate=False)


_ESCALATIONS, _EVENTS, _TASKS = (
    Escalation.__table__,  # type: ignore[attr-defined]
    EscalationEvent.__table__,  # type: ignore[attr-defined]
    Task.__table__,  # type: ignore[attr-defined]
)


@lru_cache(maxsize=16)
def _create_statement(
    columns: tuple[str, ...], event_columns: tuple[str, ...], events: int, task_columns: tuple[str, ...]
) -> Any:
    """The escalation, its `events` audit events and its categorize task in one statement (one round trip,
    no flush), as pgbench's ceiling runs it: the events and the task are written from the row the insert
    returns, so a repeat that collides with an open one (the unique partial indexes) writes nothing.
    Parameters: `e_<column>`, `ev<n>_<column>`, `t_<column>`; built once per shape."""

    def bound(prefix: str, table: Any, names: tuple[str, ...]) -> list[Any]:
        return [bindparam(prefix + name, type_=table.c[name].type) for name in names]

    created = (
        pg_insert(_ESCALATIONS)
        .values(dict(zip(columns, bound("e_", _ESCALATIONS, columns), strict=True)))
        .on_conflict_do_nothing()
        .returning(*_ESCALATIONS.c)
        .cte("created")
    )
    rows = [core_select(created.c.id, *bound(f"ev{n}_", _EVENTS, event_columns)) for n in range(events)]
    written_events = (
        insert(_EVENTS)
        .from_select(["escalation_id", *event_columns], rows[0] if events == 1 else union_all(*rows))
        .cte("events")
    )
    task_row = core_select(created.c.id, *bound("t_", _TASKS, task_columns))
    written_task = insert(_TASKS).from_select(["escalation_id", *task_columns], task_row).cte("task")
    return select(Escalation).from_statement(core_select(created).add_cte(written_events, written_task))


def _insert(
    *, session: Session, values: dict[str, Any], events: list[dict[str, Any]], task: dict[str, Any]
) -> Escalation | None:
    """Insert the escalation with its events and task, or None when it collides with an open one of the
    agent (the unique partial indexes on repeat_key and dedupe_key): a repeat, to be folded. A concurrent
    insert of the same repeat waits here for the first to commit."""
    event_columns = tuple(events[0])  # every event has the same keys (audit.event_values)
    params = {f"e_{name}": value for name, value in values.items()}
    for n, event in enumerate(events):
        params.update({f"ev{n}_{name}": value for name, value in event.items()})
    params.update({f"t_{name}": value for name, value in task.items()})
    statement = _create_statement(tuple(values), event_columns, len(events), tuple(task))
    escalation: Escalation | None = session.scalars(
        statement, params, execution_options={"populate_existing": True}
    ).first()
    if escalation is not None:
        noted = outbox.written(session)
        noted.escalations.add(escalation.id)
        noted.tasks.append(task["id"])
    return escalation


def _fold(
    *, session: Session, escalation: Escalation, agent: Agent, data: EscalationCreate, now: datetime
) -> None:
    """Count a repeat on the open escalation it repeats. Nothing it carried is lost: the audit event keeps
    the whole request, and a higher priority than the open one's is taken over (an agent insisting)."""
    escalation.repeat_count += 1
    escalation.last_repeated_at = now
    details: dict[str, object] = {
        "repeat": escalation.repeat_count,
        "request": data.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
    }
    if PRIORITY_RANK[data.priority] > PRIORITY_RANK[escalation.priority]:
        details["priority_raised_from"] = escalation.priority.value
        escalation.priority = data.priority
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="repeated",
        from_status=escalation.status,
        actor=Principal(agent=agent),
        now=now,
        details=details,
    )


def expiry_for(data: EscalationCreate, *, now: datetime, defaults: dict[Priority, timedelta]) -> datetime:
    """When it expires unclaimed: what the agent asked for, else its priority's default deadline."""
    if data.expires_at is not None:
        if data.expires_at <= now:
            raise Invalid("expires_at must be in the future", field="expires_at")
        return data.expires_at
    if data.expires_in is not None:
        return now + timedelta(seconds=data.expires_in)
    return now + defaults[data.priority]


def assign(*, session: Session, escalation: Escalation, now: datetime) -> Reviewer | None:
    """Give a pending escalation to the next active reviewer; it stays pending when nobody is active."""
    reviewer = next_reviewer(session=session)
    if reviewer is None:
        return None
    escalation.status, escalation.assigned_to = Status.assigned, reviewer.id
    escalation.assigned_at = escalation.assigned_at or now  # the first assignment, which metrics measure
    session.add(escalation)
    _record_assigned(session=session, escalation=escalation, reviewer=reviewer, now=now)
    return reviewer


def _record_assigned(*, session: Session, escalation: Escalation, reviewer: Reviewer, now: datetime) -> None:
    session.add(EscalationEvent(escalation_id=escalation.id, **_assigned_values(reviewer=reviewer, now=now)))


def _assigned_values(*, reviewer: Reviewer, now: datetime) -> dict[str, Any]:
    details = {"assigned_to": str(reviewer.id), "reviewer": reviewer.display_name, "rule": "round_robin"}
    return event_values(
        action="assigned",
        from_status=Status.pending,
        to_status=Status.assigned,
        actor=None,
        now=now,
        details=details,
    )


def get_visible(*, session: Session, escalation_id: uuid.UUID, principal: Principal) -> Escalation:
    """An escalation the caller may see: agents see only their own; others look unknown."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or (
        principal.agent is not None and escalation.source_agent != principal.agent.name
    ):
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def history(*, session: Session, escalation: Escalation) -> list[EscalationEvent]:
    """The escalation's audit trail, oldest first."""
    return events_for(session=session, escalation=escalation)


def claim(*, session: Session, escalation_id: uuid.UUID, by: Reviewer, now: datetime) -> Escalation:
    """Take an open escalation; exactly one of several concurrent claimers wins, a repeat is harmless."""
    escalation = get_for_update(session=session, escalation_id=escalation_id)
    if escalation.status == Status.claimed and escalation.assigned_to == by.id:
        return escalation
    if escalation.status not in (Status.pending, Status.assigned):
        raise Conflict(f"escalation {escalation_id} {_why_closed(session=session, escalation=escalation)}")
    previous_status, previous_assignee = escalation.status, escalation.assigned_to
    escalation.status, escalation.assigned_to, escalation.claimed_at = Status.claimed, by.id, now
    escalation.assigned_at = escalation.assigned_at or now
    session.add(escalation)
    details = {} if previous_assignee in (None, by.id) else {"previously_assigned_to": str(previous_assignee)}
    record_event(
        session=session,
        escalation=escalation,
        action="claimed",
        from_status=previous_status,
        actor=Principal(reviewer=by),
        now=now,
        details=details,
    )
    return escalation


def resolve(
    *,
    session: Session,
    escalation_id: uuid.UUID,
    by: Reviewer,
    resolution: str,
    notes: str,
    now: datetime,
    warranted: Warranted | None = None,
) -> Escalation:
    """Record the human decision, and the resolver's word on whether escalating was warranted (the
    metrics' precision); only the holder or a manager/admin may, and only once."""
    escalation = get_for_update(session=session, escalation_id=escalation_id)
    if escalation.status not in OPEN_STATUSES:
        raise Conflict(f"escalation {escalation_id} {_why_closed(session=session, escalation=escalation)}")
    if escalation.assigned_to != by.id and not is_supervisor(by):
        raise Forbidden("only the reviewer holding this escalation, or a manager or admin, may resolve it")
    previous_status = escalation.status
    escalation.status, escalation.resolved_at, escalation.resolved_by = Status.resolved, now, by.id
    escalation.resolution, escalation.resolution_notes = resolution, notes
    escalation.warranted = warranted
    escalation.info_question, escalation.info_requested_by = None, None
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="resolved",
        from_status=previous_status,
        actor=Principal(reviewer=by),
        now=now,
        details={"resolution": resolution, **({"warranted": warranted.value} if warranted else {})},
    )
    webhooks.queue(
        session=session,
        escalation=escalation,
        body=projections.resolved_event(escalation=escalation, resolver=by),
        now=now,
    )
    return escalation


def get_for_update(*, session: Session, escalation_id: uuid.UUID) -> Escalation:
    """The escalation, locked until commit (NotFound if there is none): one change at a time."""
    escalation = session.exec(
        select(Escalation).where(Escalation.id == escalation_id).with_for_update()
    ).first()
    if escalation is None:
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def _why_closed(*, session: Session, escalation: Escalation) -> str:
    """Why it cannot be taken: who has it, or what happened to it."""
    if escalation.status == Status.expired:
        return "expired unclaimed; the agent was told to use its fallback"
    holder_id = escalation.resolved_by if escalation.status == Status.resolved else escalation.assigned_to
    holder = session.get(Reviewer, holder_id) if holder_id is not None else None
    name = holder.display_name if holder is not None else "someone"
    if escalation.status == Status.needs_info:
        return f"is waiting for the agent's answer to {name}'s question"
    return f"is already {escalation.status.value} by {name}"


_POOL = select(  # built once: every create answers with it
    func.count().filter(col(Reviewer.active)),
    func.coalesce(func.bool_or(col(Reviewer.on_call)), False),
    exists().where(col(OncallRotation.id).is_not(None)),
).select_from(Reviewer)


def pool_status(*, session: Session, now: datetime) -> PoolStatus:
    """What an agent may expect: how many reviewers take work, and whether anyone is on call now.

    One statement on every create; the rotation is worked out only when it could decide the answer
    (nobody is flagged on call by hand, and a rotation exists).
    """
    active, flagged, rotating = session.execute(_POOL).one()
    on_call = bool(flagged) or (
        bool(rotating) and bool(notifications.on_call_emails(session=session, now=now))
    )
    return PoolStatus(active_reviewers=int(active), on_call_now=on_call)
