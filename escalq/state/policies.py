"""The policies page: the versions and one version's document for managers; editing, approving and
activating for admins (PolicyEditState), each action audited by the service."""

from collections.abc import Callable
from typing import ClassVar, TypeVar

import reflex as rx
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.models import Reviewer, Role
from escalq.schemas.policy_rows import FieldError, PolicyRow, RuleTestRow
from escalq.services import policies
from escalq.services.errors import DomainError, Invalid
from escalq.state.base import AuthState, in_session

T = TypeVar("T")
TEST_DAYS = ("1", "7", "30")  # the spans a rule test may replay


class PoliciesState(AuthState):
    requires: ClassVar[Role] = Role.manager
    versions: list[PolicyRow] = []
    active: int = 0
    approval_required: bool = False
    # The version shown: its document as JSON and what it changes from the active one.
    shown: int = 0
    shown_text: str = ""
    shown_changes: list[str] = []
    error: str = ""
    notice: str = ""
    # The rule test of the shown version: over the last `test_days` days of decision-gate calls.
    test_days: str = "7"
    tested: int = 0  # the version tested (0: none yet)
    test_summary: str = ""
    test_rows: list[RuleTestRow] = []

    async def _test(self, number: int) -> policies.RuleTest | None:
        try:
            return await in_session(
                lambda s: policies.rule_test(
                    session=s, number=number, days=int(self.test_days), now=utc_now()
                )
            )
        except DomainError as refused:
            self.error = refused.message
            return None

    @rx.event
    def set_test_days(self, days: str):
        if days in TEST_DAYS:
            self.test_days = days

    @rx.event
    async def run_test(self):
        """Replay the shown version's rules over the recent decision-gate calls."""
        found = await self._test(self.shown)
        if found is not None:
            self.tested, self.test_summary, self.test_rows = found.number, found.summary, found.rows

    async def _show(self, number: int | None) -> None:
        try:
            found = await in_session(lambda s: policies.shown(session=s, number=number))
        except DomainError as refused:
            self.error = refused.message
            return
        self.versions, self.active, self.shown = found.versions, found.active, found.number
        self.shown_text, self.shown_changes = found.text, found.changes
        self.approval_required = get_settings().policy_approval

    @rx.event
    async def load(self):
        """on_load: the active version."""
        self.error = self.notice = ""
        await self._show(None)

    @rx.event
    async def show(self, number: int):
        self.error = self.notice = ""
        await self._show(number)


class PolicyEditState(PoliciesState):
    """What only admins may do; the services check the role again."""

    requires: ClassVar[Role] = Role.admin
    editing: bool = False
    field_errors: list[FieldError] = []
    # The activation being confirmed (0: none) and what it would change.
    confirming: int = 0
    confirm_changes: list[str] = []
    confirm_test: str = ""  # the rule test's sentence for the version being confirmed

    @rx.var
    def confirm_open(self) -> bool:
        return self.confirming != 0

    async def _act(self, work: Callable[[Session, Reviewer], T]) -> T | None:
        """One action as the signed-in admin; a refusal becomes `error`."""
        by = await self.current_reviewer()
        if by is None:
            return None
        try:
            result = await in_session(lambda s: work(s, by))
        except DomainError as refused:
            self.error, self.notice = refused.message, ""
            return None
        self.error = ""
        return result

    @rx.event
    def open_edit(self):
        """Edit the shown version's document as a new version."""
        self.editing, self.field_errors = True, []

    @rx.event
    def edit_changed(self, is_open: bool):
        if not is_open:
            self.editing, self.field_errors = False, []

    @rx.event
    async def save_version(self, form: dict[str, str]):
        """Propose the edited document as a new, inactive version; refused fields are listed one by one."""
        by = await self.current_reviewer()
        if by is None:
            return
        text, comment = form.get("document", ""), form.get("comment", "").strip()

        def propose(session: Session) -> int:
            document = policies.from_text(text)
            row = policies.propose(
                session=session, document=document, author=by, comment=comment, now=utc_now()
            )
            return row.number

        try:
            number = await in_session(propose)
        except Invalid as refused:
            self.field_errors = policies.field_errors(refused)
            return
        except DomainError as refused:
            self.field_errors = [FieldError("document", refused.message)]
            return
        self.editing, self.field_errors = False, []
        await self._show(number)
        self.notice = f"Saved as v{number}, not active yet."

    @rx.event
    async def approve(self, number: int):
        done = await self._act(
            lambda s, by: policies.approve(session=s, number=number, by=by, now=utc_now()).number
        )
        if done is not None:
            await self._show(number)
            self.notice = f"v{number} approved."

    @rx.event
    async def ask_activation(self, number: int):
        """Show what activating version `number` changes, to confirm."""
        changes = await self._act(lambda s, by: policies.activation_changes(session=s, number=number))
        if changes is None:
            return
        found = await self._test(number)
        self.confirming, self.confirm_changes = number, changes
        self.confirm_test = "" if found is None else found.summary

    @rx.event
    def activation_changed(self, is_open: bool):
        if not is_open:
            self.confirming, self.confirm_changes, self.confirm_test = 0, [], ""

    @rx.event
    async def activate(self):
        """Make the confirmed version the active one (an older one: a rollback)."""
        number, required = self.confirming, get_settings().policy_approval
        self.confirming, self.confirm_changes, self.confirm_test = 0, [], ""
        done = await self._act(
            lambda s, by: policies.activate(
                session=s, number=number, by=by, approval_required=required, now=utc_now()
            )
        )
        if done is None:
            return
        policies.PROCESS.forget()  # this process uses it at once; the others within policy_cache_s
        await self._show(done.activated)
        self.notice = f"v{done.activated} is active (was v{done.previous})."
