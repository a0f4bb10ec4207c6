"""The admin page: who reviews and with which role, which agents may call us and with which key."""

import uuid
from collections.abc import Callable
from typing import ClassVar, TypeVar

import reflex as rx
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.models import Reviewer, Role
from escalq.schemas.admin import AgentRow, KeyRow, ReviewerRow
from escalq.services import admin, agent_secrets, lockout, offboarding, oncall, people
from escalq.services.errors import DomainError, Invalid, NotFound
from escalq.state.base import AuthState, in_session

T = TypeVar("T")
ROLES = [role.value for role in Role]
DENIED = "Only admins can do this."
# Text inputs of the add-reviewer form; cleared after a reviewer is added.
REVIEWER_INPUTS = ("admin-new-email", "admin-new-name", "admin-new-password")
# Offered overlaps (hours) when rotating a webhook secret; the configured default is added to them.
OVERLAP_CHOICES = (0.0, 1.0, 24.0, 72.0, 168.0)


def id_of(text: str, what: str) -> uuid.UUID:
    """The id in `text`; NotFound (as for an unknown id) when it is not one."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(f"no {what} with id {text!r}") from None


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a role; choose one of {', '.join(ROLES)}") from None


def _hours(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a number of hours") from None


def _limit(text: str, field: str) -> int | None:
    """A limit typed into the form: a whole number, or nothing for the setting's."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None
    if not text.isdigit():
        raise Invalid(f"{field} must be a whole number, or empty for the default", field=field)
    return int(text)


def _tables(session: Session) -> tuple[list[ReviewerRow], list[AgentRow]]:
    now = utc_now()
    return admin.list_reviewers(session=session, now=now), admin.list_agents(session=session, now=now)


class AdminState(AuthState):
    requires: ClassVar[Role] = Role.admin
    reviewers: list[ReviewerRow] = []
    agents: list[AgentRow] = []
    # The add-reviewer form keeps its choices here; its text fields arrive with the submit, so the
    # password never sits in state and a debounced input cannot lag behind the submit.
    new_role: str = Role.reviewer.value
    new_active: bool = True
    # The rotate-secret dialog's overlap, in hours, and what it offers (set from the settings on load).
    secret_overlap_h: str = ""
    overlap_choices: list[str] = []
    # Shown once, in a dialog, then forgotten.
    revealed_for: str = ""
    revealed_key: str = ""
    revealed_secret: str = ""
    # The manage-reviewer dialog: whose API keys are listed and whose password a reset sets.
    managed_id: str = ""
    managed_email: str = ""
    managed_keys: list[KeyRow] = []
    error: str = ""
    notice: str = ""

    @rx.var
    def reveal_open(self) -> bool:
        return self.revealed_key != "" or self.revealed_secret != ""

    @rx.var
    def manage_open(self) -> bool:
        return self.managed_id != ""

    async def _admin(self) -> Reviewer | None:
        """The signed-in reviewer if they are an admin right now; the page is never trusted with that."""
        reviewer = await self.current_reviewer()
        if reviewer is None or reviewer.role != Role.admin:
            self.reviewers, self.agents = [], []
            self.error, self.notice = DENIED, ""
            return None
        return reviewer

    async def _act(self, work: Callable[[Session, Reviewer], T]) -> T | None:
        """Run one admin action and reload both tables in its unit of work; a refusal becomes `error`."""
        by = await self._admin()
        if by is None:
            return None

        def unit(session: Session) -> tuple[T, tuple[list[ReviewerRow], list[AgentRow]]]:
            return work(session, by), _tables(session)

        try:
            result, (self.reviewers, self.agents) = await in_session(unit)
        except DomainError as refused:
            self.error, self.notice = refused.message, ""
            self.reviewers, self.agents = await in_session(_tables)  # show what is true now
            return None
        self.error = ""
        return result

    @rx.event
    async def load(self):
        """on_load: both tables, fresh."""
        self.revealed_for = self.revealed_key = self.revealed_secret = ""
        if await self._admin() is None:
            return
        self.reviewers, self.agents = await in_session(_tables)
        self.error = self.notice = ""
        default = get_settings().webhook_secret_overlap_h
        self.secret_overlap_h = f"{default:g}"
        self.overlap_choices = [f"{hours:g}" for hours in sorted({*OVERLAP_CHOICES, default})]

    @rx.event
    def set_new_role(self, role: str):
        if role in ROLES:
            self.new_role = role

    @rx.event
    def set_new_active(self, active: bool):
        self.new_active = active

    @rx.event
    async def add_reviewer(self, form: dict[str, str]):
        """Create a reviewer from the form; the form empties only when that worked."""
        email, name, password = form.get("email", ""), form.get("display_name", ""), form.get("password", "")
        role, active = self.new_role, self.new_active

        def work(session: Session, by: Reviewer) -> str:
            created = people.create_reviewer(
                session=session,
                email=email,
                display_name=name,
                password=password,
                role=_role(role),
                active=active,
                now=utc_now(),
            )
            return created.email

        added = await self._act(work)
        if added is None:
            return None
        self.notice = f"Added {added}."
        self.new_role, self.new_active = Role.reviewer.value, True
        return [rx.set_value(ref, "") for ref in REVIEWER_INPUTS]

    async def _flags(
        self,
        reviewer_id: str,
        what: str,
        *,
        active: bool | None = None,
        on_call: bool | None = None,
        role: str | None = None,
    ) -> None:
        def work(session: Session, by: Reviewer) -> tuple[str, list[uuid.UUID], str]:
            changed = admin.set_reviewer_flags(
                session=session,
                reviewer_id=id_of(reviewer_id, "reviewer"),
                by=by,
                active=active,
                on_call=on_call,
                role=None if role is None else _role(role),
                now=utc_now(),
            )
            # The on-call flag changes who the nav bar shows as on call.
            return changed.reviewer.email, changed.touched, oncall.names_at(session=session, at=utc_now())

        done = await self._act(work)
        if done is None:
            return
        email, touched, self.on_call_names = done
        self.notice = f"{email}: {what}."
        if touched:
            self.notice += f" {len(touched)} escalation(s) {'assigned' if active else 'handed back'}."

    @rx.event
    async def set_active(self, reviewer_id: str, active: bool):
        """Put a reviewer in the round-robin pool or take them out."""
        await self._flags(reviewer_id, "in the pool" if active else "out of the pool", active=active)

    @rx.event
    async def set_on_call(self, reviewer_id: str, on_call: bool):
        """Tell a reviewer about urgent escalations nobody holds, or stop."""
        await self._flags(reviewer_id, "on call" if on_call else "off call", on_call=on_call)

    @rx.event
    async def set_role(self, reviewer_id: str, role: str):
        """Make a reviewer a reviewer, manager or admin."""
        await self._flags(reviewer_id, f"role {role}", role=role)

    @rx.event
    async def create_agent(self, form: dict[str, str]):
        """Register an agent and reveal its API key and webhook secret, once."""
        name = form.get("name", "")

        def work(session: Session, by: Reviewer) -> tuple[str, str, str]:
            created = people.create_agent(session=session, name=name, now=utc_now())
            return created.agent.name, created.api_key, created.webhook_secret

        created = await self._act(work)
        if created is None:
            return None
        self.revealed_for, self.revealed_key, self.revealed_secret = created
        self.notice = f"Created agent {created[0]}."
        return rx.set_value("admin-new-agent-name", "")

    @rx.event
    async def set_agent_disabled(self, agent_id: str, disabled: bool):
        """Disable an agent (its keys stop working at once) or enable it again."""

        def work(session: Session, by: Reviewer) -> str:
            agent = admin.set_agent_disabled(
                session=session, agent_id=id_of(agent_id, "agent"), disabled=disabled
            )
            return agent.name

        name = await self._act(work)
        if name is not None:
            self.notice = f"{name} is {'disabled' if disabled else 'enabled'}."

    @rx.event
    async def set_agent_limits(self, form: dict[str, str]):
        """The agent's own rate limit and daily budget (empty: the setting's)."""

        def work(session: Session, by: Reviewer) -> str:
            agent = admin.set_agent_limits(
                session=session,
                agent_id=id_of(form.get("agent_id", ""), "agent"),
                per_minute=_limit(form.get("per_minute", ""), "per_minute"),
                per_day=_limit(form.get("per_day", ""), "per_day"),
                by=by,
                now=utc_now(),
            )
            return agent.name

        name = await self._act(work)
        if name is not None:
            self.notice = f"Limits of {name} saved."

    @rx.event
    async def rotate_key(self, agent_id: str):
        """Revoke the agent's keys and reveal the new one, once."""
        key = await self._act(
            lambda session, by: admin.rotate_agent_key(
                session=session, agent_id=id_of(agent_id, "agent"), now=utc_now()
            )
        )
        if key is None:
            return
        name = next((row.name for row in self.agents if row.id == agent_id), "the agent")
        self.revealed_for, self.revealed_key, self.revealed_secret = name, key, ""
        self.notice = f"Rotated the key of {name}; the old key no longer works."

    @rx.event
    def set_secret_overlap(self, hours: str):
        if hours in self.overlap_choices:
            self.secret_overlap_h = hours

    @rx.event
    async def rotate_secret(self, agent_id: str):
        """Give the agent a new webhook secret and reveal it once; the old one also signs for the overlap."""
        hours = self.secret_overlap_h

        def work(session: Session, by: Reviewer) -> tuple[str, str, str]:
            rotated = agent_secrets.rotate(
                session=session,
                agent_id=id_of(agent_id, "agent"),
                by=by,
                overlap_hours=_hours(hours),
                now=utc_now(),
            )
            until = rotated.previous_until.isoformat(timespec="minutes") if rotated.previous_until else ""
            return rotated.agent.name, rotated.secret, until

        rotated = await self._act(work)
        if rotated is None:
            return
        name, secret, until = rotated
        self.revealed_for, self.revealed_key, self.revealed_secret = name, "", secret
        self.notice = f"Rotated the webhook secret of {name}; " + (
            f"deliveries carry both signatures until {until}." if until else "the old one no longer signs."
        )

    @rx.event
    def reveal_changed(self, is_open: bool):
        """The secrets dialog closed: forget them."""
        if not is_open:
            self.revealed_for = self.revealed_key = self.revealed_secret = ""

    @rx.event
    async def set_disabled(self, reviewer_id: str, disabled: bool):
        """Offboard a reviewer (sign-in, keys, sessions refused; held work handed back) or let them back."""

        def work(session: Session, by: Reviewer) -> tuple[str, list[uuid.UUID]]:
            target = id_of(reviewer_id, "reviewer")
            if disabled:
                change = offboarding.disable(session=session, reviewer_id=target, by=by, now=utc_now())
                return change.reviewer.email, change.touched
            return offboarding.enable(session=session, reviewer_id=target, by=by, now=utc_now()).email, []

        done = await self._act(work)
        if done is None:
            return
        email, touched = done
        self.notice = f"{email} is {'disabled' if disabled else 'enabled'}."
        if touched:
            self.notice += f" {len(touched)} escalation(s) handed back."

    @rx.event
    async def unlock(self, reviewer_id: str):
        """Lift a sign-in lock after too many failed attempts."""

        def work(session: Session, by: Reviewer) -> str:
            reviewer = offboarding.get_reviewer(session=session, reviewer_id=id_of(reviewer_id, "reviewer"))
            lockout.unlock(session=session, reviewer=reviewer, by=by, now=utc_now())
            return reviewer.email

        email = await self._act(work)
        if email is not None:
            self.notice = f"{email} can sign in again."

    async def _manage(self, reviewer_id: str, work: Callable[[Session, Reviewer, uuid.UUID], T]) -> T | None:
        """Run `work` on one reviewer and refresh the dialog's list of their keys."""

        def unit(session: Session, by: Reviewer) -> tuple[T, str, list[KeyRow]]:
            target = id_of(reviewer_id, "reviewer")
            result = work(session, by, target)
            found = offboarding.get_reviewer(session=session, reviewer_id=target)
            return result, found.email, offboarding.keys(session=session, reviewer_id=target)

        done = await self._act(unit)
        if done is None:
            return None
        result, self.managed_email, self.managed_keys = done
        self.managed_id = reviewer_id
        return result

    @rx.event
    async def manage(self, reviewer_id: str):
        """Open the dialog with the reviewer's API keys and the password reset."""
        await self._manage(reviewer_id, lambda session, by, target: None)

    @rx.event
    async def revoke_keys(self):
        """Revoke every API key of the reviewer in the dialog."""
        revoked = await self._manage(
            self.managed_id,
            lambda session, by, target: offboarding.revoke_keys(
                session=session, reviewer_id=target, by=by, now=utc_now()
            ),
        )
        if revoked is not None:
            self.notice = f"Revoked {revoked} API key(s) of {self.managed_email}."

    @rx.event
    async def reset_password(self, form: dict[str, str]):
        """Set a new password for the reviewer in the dialog; all their sessions end."""
        password = form.get("password", "")
        ended = await self._manage(
            self.managed_id,
            lambda session, by, target: offboarding.reset_password(
                session=session, reviewer_id=target, password=password, by=by, now=utc_now()
            ),
        )
        if ended is None:
            return None
        self.notice = f"New password set for {self.managed_email}; {ended} session(s) ended."
        return rx.set_value("admin-reset-password", "")

    @rx.event
    def manage_changed(self, is_open: bool):
        """The manage dialog closed."""
        if not is_open:
            self.managed_id, self.managed_email, self.managed_keys = "", "", []
