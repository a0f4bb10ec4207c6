"""/api/audit: the audit log for managers and admins, by page or exported (JSON Lines, CSV)."""

import csv
import io
import json
import uuid
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from escalq.api import problems
from escalq.api.deps import ReviewerDep, SessionDep
from escalq.db import new_session
from escalq.schemas.audit import CSV_COLUMNS, AuditEventOut, AuditPage
from escalq.schemas.inputs import MAX_BIGINT, MAX_INTEGER, UtcDatetime
from escalq.services import audit_log
from escalq.services.auth import is_supervisor
from escalq.services.errors import Forbidden

router = APIRouter(prefix="/api/audit", tags=["audit"])
Format = Literal["json", "jsonl", "csv"]
JSONL, CSV = "application/x-ndjson", "text/csv"
_ACCEPTED: dict[str, Format] = {
    JSONL: "jsonl",
    "application/jsonl": "jsonl",
    CSV: "csv",
    "application/json": "json",
}
# A spreadsheet would run a cell starting so as a formula: such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@router.get(
    "",
    response_model=AuditPage,
    responses={
        200: {
            "description": "A page (json), or every matching event oldest first (jsonl, csv), streamed",
            "content": {JSONL: {"schema": {"type": "string"}}, CSV: {"schema": {"type": "string"}}},
        },
        **problems.responses(
            403, notes={403: "An agent or plain reviewer key (a manager or admin key is needed)"}
        ),
    },
)
def get_audit(
    session: SessionDep,
    reviewer: ReviewerDep,
    escalation_id: uuid.UUID | None = None,
    actor_id: Annotated[uuid.UUID | None, Query(description="The agent's or reviewer's id")] = None,
    actor: Annotated[
        str | None, Query(description="Who, by name as shown (escalq for escalq itself)")
    ] = None,
    action: Annotated[list[str], Query(description="created, assigned, claimed...; repeat for several")] = [],  # noqa: B006
    since: Annotated[UtcDatetime | None, Query(description="At or after")] = None,
    until: Annotated[UtcDatetime | None, Query(description="Before")] = None,
    rule: Annotated[
        str | None, Query(description="Events of escalations this decision-gate rule opened", min_length=1)
    ] = None,
    policy_version: Annotated[
        int | None,
        Query(ge=1, le=MAX_INTEGER, description="Events written while this policy version was active"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Per page (json only)")] = 100,
    cursor: Annotated[
        int | None, Query(ge=1, le=MAX_BIGINT, description="next_cursor of the previous page (json only)")
    ] = None,
    output: Annotated[
        Format | None,
        Query(alias="format", description="Default: from Accept (application/x-ndjson, text/csv), else json"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> AuditPage | StreamingResponse:
    """The audit log (manager or admin key): a page newest first, or an export of every match."""
    if not is_supervisor(reviewer):
        raise Forbidden("the audit log is for managers and admins")
    filters = audit_log.AuditFilter(
        escalation_id=escalation_id,
        actor_id=actor_id,
        actor_name=actor,
        actions=action,
        since=since,
        until=until,
        rule=rule,
        policy_version=policy_version,
    )
    chosen = output or _negotiated(accept)
    if chosen == "json":
        rows, next_cursor = audit_log.page(session=session, filters=filters, limit=limit, cursor=cursor)
        return AuditPage(items=[AuditEventOut.model_validate(row) for row in rows], next_cursor=next_cursor)
    lines = _jsonl(filters) if chosen == "jsonl" else _csv(filters)
    media_type = JSONL if chosen == "jsonl" else CSV
    disposition = f'attachment; filename="escalq-audit.{chosen}"'
    return StreamingResponse(lines, media_type=media_type, headers={"Content-Disposition": disposition})


def _negotiated(accept: str | None) -> Format:
    """The first of our formats the Accept header names; json when it names none."""
    for media_range in (accept or "").split(","):
        media_type = media_range.split(";")[0].strip().lower()
        if media_type in _ACCEPTED:
            return _ACCEPTED[media_type]
    return "json"


def _events(filters: audit_log.AuditFilter) -> Iterator[AuditEventOut]:
    """In a session of its own: the request's closes when the route returns, before the stream ends."""
    with new_session() as session:
        for event in audit_log.export(session=session, filters=filters):
            yield AuditEventOut.model_validate(event)


def _jsonl(filters: audit_log.AuditFilter) -> Iterator[str]:
    for event in _events(filters):
        yield event.model_dump_json() + "\n"


def _csv(filters: audit_log.AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in _events(filters):
        record = event.model_dump(mode="json")
        writer.writerow(_cell(record[column]) for column in CSV_COLUMNS)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()  # the header alone when nothing matched


def _cell(value: object) -> str:
    text = "" if value is None else json.dumps(value) if isinstance(value, dict) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
