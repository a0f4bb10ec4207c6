"""Rule tests: how many decision-gate decisions a policy version would change, per rule, before it is
activated. Rules are compared, never sampling draws: a sampled escalation counts as the `continue` its
rules decided.

    replay(session=session, document=version.document, since=now - timedelta(days=7), until=now)
    replay_signals(read_signals(lines), document=version.document, baseline=active.document)
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session, col, select

from escalq.models import Evaluation, Priority
from escalq.schemas.gate import Signals
from escalq.schemas.policy import PolicyDocument
from escalq.services.errors import Invalid
from escalq.services.policies.gate import first_match

# What the rules decided: the rule that fired and its priority, or None for continue.
Outcome = tuple[str, Priority] | None
_BATCH = 1_000


@dataclass(frozen=True)
class RuleChanges:
    """One rule's part: how often it fired before and would fire now, and the decisions that change.

    A decision that changes is counted once, under the rule deciding it now (`to_escalate`: continue
    before; `changed`: another rule or priority before), or under the rule that decided it before when
    none fires now (`to_continue`).
    """

    rule: str
    before: int = 0
    after: int = 0
    to_escalate: int = 0
    to_continue: int = 0
    changed: int = 0


@dataclass(frozen=True)
class Replay:
    """`evaluated` decisions compared, `changed` of them differ; `rules` in the tested document's order,
    then rules only the earlier decisions knew (by name)."""

    evaluated: int
    changed: int
    rules: list[RuleChanges] = field(default_factory=list)


def compare(pairs: Iterable[tuple[Outcome, Signals]], document: PolicyDocument) -> Replay:
    """Each earlier outcome against what `document`'s rules decide on the same signals."""
    counts: dict[str, Counter[str]] = {rule.name: Counter() for rule in document.gate.rules}
    evaluated = changed = 0
    for before, signals in pairs:
        rule = first_match(document.gate, signals)
        after: Outcome = None if rule is None else (rule.name, rule.priority)
        evaluated += 1
        if before is not None:
            counts.setdefault(before[0], Counter())["before"] += 1
        if after is not None:
            counts[after[0]]["after"] += 1
        if before == after:
            continue
        changed += 1
        if after is None:
            assert before is not None
            counts[before[0]]["to_continue"] += 1
        else:
            counts[after[0]]["to_escalate" if before is None else "changed"] += 1
    order = [*counts][: len(document.gate.rules)] + sorted([*counts][len(document.gate.rules) :])
    return Replay(
        evaluated=evaluated,
        changed=changed,
        rules=[RuleChanges(rule=name, **counts[name]) for name in order],
    )


def replay(*, session: Session, document: PolicyDocument, since: datetime, until: datetime) -> Replay:
    """The evaluations recorded in [since, until) (POST /api/evaluate), re-decided by `document`'s rules
    and compared with the rules' decision recorded then."""
    return compare(_recorded(session=session, since=since, until=until), document)


def replay_signals(
    signal_sets: Iterable[Signals], *, document: PolicyDocument, baseline: PolicyDocument
) -> Replay:
    """Synthetic signal sets decided by `baseline`'s rules (the active version, say) and by `document`'s."""
    return compare(((_outcome(baseline, signals), signals) for signals in signal_sets), document)


def read_signals(lines: Iterable[str]) -> list[Signals]:
    """Signal sets from JSON Lines (one object per line, as POST /api/evaluate takes them, blank lines
    skipped); Invalid names the first bad line."""
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(Signals.model_validate_json(line))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in error.errors()
            )
            raise Invalid(f"line {number} is not a signal set: {problems}") from error
    return found


def _outcome(document: PolicyDocument, signals: Signals) -> Outcome:
    rule = first_match(document.gate, signals)
    return None if rule is None else (rule.name, rule.priority)


def _recorded(*, session: Session, since: datetime, until: datetime) -> Iterator[tuple[Outcome, Signals]]:
    """In batches by id, so a month of evaluations never sits in memory at once."""
    after = 0
    while True:
        rows = session.exec(
            select(Evaluation.id, Evaluation.rule, Evaluation.priority, Evaluation.signals)
            .where(
                col(Evaluation.at) >= since,
                col(Evaluation.at) < until,
                col(Evaluation.id) > after,
            )
            .order_by(col(Evaluation.id))
            .limit(_BATCH)
        ).all()
        for _, rule, priority, signals in rows:
            before: Outcome = None if rule is None or priority is None else (rule, Priority(priority))
            yield before, Signals.model_validate(signals)
        if len(rows) < _BATCH:
            return
        after = rows[-1][0] or after
