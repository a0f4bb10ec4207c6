"""The audit log page: read-only, filtered, newest first, a page at a time."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

import reflex as rx

from escalq.models import Role
from escalq.schemas.audit import AuditRow
from escalq.services import audit_log
from escalq.services.errors import DomainError, Invalid
from escalq.state.base import AuthState, in_session

PAGE = 50


def _escalation(text: str) -> uuid.UUID | None:
    if not text.strip():
        return None
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise Invalid(f"{text!r} is not an escalation id") from None


def _day(text: str, *, field: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(), tzinfo=UTC)
    except ValueError:
        raise Invalid(f"{text!r} is not a date ({field})") from None


def _version(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise Invalid(f"{text!r} is not a policy version number") from None
    return int(text)


class AuditState(AuthState):
    requires: ClassVar[Role] = Role.manager
    rows: list[AuditRow] = []
    # The filters as typed; dates are whole days in UTC, "until" included.
    escalation: str = ""
    actor: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    rule: str = ""
    policy_version: str = ""
    # The page shown starts below event `cursor` (0: the newest); `next_cursor` 0: it is the last.
    cursor: int = 0
    next_cursor: int = 0
    error: str = ""

    def _filters(self) -> audit_log.AuditFilter:
        until = _day(self.until, field="until")
        return audit_log.AuditFilter(
            escalation_id=_escalation(self.escalation),
            actor_name=self.actor.strip() or None,
            actions=[self.action.strip()] if self.action.strip() else [],
            since=_day(self.since, field="since"),
            until=until + timedelta(days=1) if until else None,
            rule=self.rule.strip() or None,
            policy_version=_version(self.policy_version),
        )

    async def _fetch(self) -> None:
        reviewer = await self.current_reviewer()
        if reviewer is None or reviewer.role not in (Role.manager, Role.admin):
            self.rows, self.error = [], "Only managers and admins can read the audit log."
            return
        cursor = self.cursor or None
        try:
            filters = self._filters()
            events, after = await in_session(
                lambda s: audit_log.page(session=s, filters=filters, limit=PAGE, cursor=cursor)
            )
        except DomainError as refused:
            self.rows, self.next_cursor, self.error = [], 0, refused.message
            return
        self.rows, self.next_cursor, self.error = audit_log.rows(events), after or 0, ""

    @rx.event
    async def load(self):
        """on_load: the newest page with the filters kept."""
        self.cursor = 0
        await self._fetch()

    @rx.event
    async def apply_filters(self, form: dict[str, str]):
        """The filter form: the newest page of what matches."""
        self.escalation, self.actor = form.get("escalation", ""), form.get("actor", "")
        self.action, self.since, self.until = (
            form.get("action", ""),
            form.get("since", ""),
            form.get("until", ""),
        )
        self.rule, self.policy_version = form.get("rule", ""), form.get("policy_version", "")
        self.cursor = 0
        await self._fetch()

    @rx.event
    async def older(self):
        if self.next_cursor:
            self.cursor = self.next_cursor
            await self._fetch()

    @rx.event
    async def newest(self):
        self.cursor = 0
        await self._fetch()
