"""Policies: the thresholds that decide escalation behaviour, as immutable versions, one active.

Edges read `current(session)` (cached per process for `policy_cache_s` seconds) and hand its values to
the services: `outbound(configured(), policy)` for creating escalations and running tasks,
`thresholds(policy.document)` for the SLA metrics, `timeouts.rules(policy.document)` for the timeout
checks and the queue's countdowns, `fallbacks(policy.document)` for expiry. `gate.evaluate` is the
decision gate; `replay` and `replay_signals` test a version's rules before it is activated.
"""

from escalq.services.policies.applied import (
    expire_after,
    fallbacks,
    limits,
    outbound,
    thresholds,
    timeout_actions,
)
from escalq.services.policies.current import PROCESS, Cache, current
from escalq.services.policies.diff import Change, diff
from escalq.services.policies.replay import Replay, RuleChanges, read_signals, replay, replay_signals
from escalq.services.policies.versions import (
    Activation,
    Policy,
    activate,
    active_row,
    approve,
    as_policy,
    get,
    listing,
    parse,
    propose,
)
from escalq.services.policies.view import (
    RuleTest,
    Shown,
    activation_changes,
    field_errors,
    from_text,
    pretty,
    rule_test,
    shown,
)

__all__ = [
    "PROCESS",
    "Activation",
    "Cache",
    "Change",
    "Policy",
    "Replay",
    "RuleChanges",
    "RuleTest",
    "Shown",
    "activate",
    "activation_changes",
    "active_row",
    "approve",
    "as_policy",
    "current",
    "diff",
    "expire_after",
    "fallbacks",
    "field_errors",
    "from_text",
    "get",
    "limits",
    "listing",
    "outbound",
    "parse",
    "pretty",
    "propose",
    "read_signals",
    "replay",
    "replay_signals",
    "rule_test",
    "shown",
    "thresholds",
    "timeout_actions",
]
