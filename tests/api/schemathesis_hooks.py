"""Schemathesis hooks for tests/api/test_contract.py: the rules the OpenAPI document cannot state.

OpenAPI can neither relate two query parameters nor compare a time with now. GET /api/metrics documents
that `range=custom` needs `start` before `end`, at most 366 days apart; POST /api/escalations and
POST /api/evaluate that `expires_at` is in the future (422 otherwise). Requests generated as valid are
given such values; the requests generated as invalid are left alone.
"""

from datetime import UTC, datetime, timedelta

import schemathesis

from escalq.services.metrics import MAX_RANGE

A_WEEK = {"start": "2026-11-01T00:00:00Z", "end": "2026-11-08T00:00:00Z"}


def _valid_by_the_schema(case: schemathesis.Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


@schemathesis.hook.apply_to(path="/api/metrics", method="GET")
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    query = case.query
    if _valid_by_the_schema(case) and isinstance(query, dict) and query.get("range") == "custom":
        start, end = _time(query.get("start")), _time(query.get("end"))
        if start is None or end is None or not timedelta(0) < end - start <= MAX_RANGE:
            case.query = {**query, **A_WEEK}
    return case


@schemathesis.hook("map_case").apply_to(path="/api/escalations", method="POST")
def future_expiry(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    return _in_the_future(case)


@schemathesis.hook("map_case").apply_to(path="/api/evaluate", method="POST")
def future_expiry_on_evaluate(
    context: schemathesis.HookContext, case: schemathesis.Case
) -> schemathesis.Case:
    return _in_the_future(case)


def _in_the_future(case: schemathesis.Case) -> schemathesis.Case:
    body = case.body
    if _valid_by_the_schema(case) and isinstance(body, dict) and isinstance(body.get("expires_at"), str):
        expires_at = _time(body["expires_at"])
        if expires_at is None or expires_at < datetime.now(UTC) + timedelta(minutes=5):
            case.body = {**body, "expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
    return case


@schemathesis.hook("map_case").apply_to(path="/api/escalations/{escalation_id}", method="GET")
def short_wait(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """A valid long poll on a live escalation waits its full `wait` (up to 55 s): keep the run short."""
    query = case.query
    if _valid_by_the_schema(case) and isinstance(query, dict) and "wait" in query:
        case.query = {**query, "wait": 1}
    if _valid_by_the_schema(case) and isinstance(case.headers, dict):
        case.headers = {name: value for name, value in case.headers.items() if name.lower() != "prefer"}
    return case


def _time(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
