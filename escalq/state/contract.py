"""The admin page's context-schema dialog: the JSON Schema one agent's context_data must follow."""

import reflex as rx
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.models import Reviewer
from escalq.services import contract
from escalq.state.admin import AdminState, id_of

SCHEMA_INPUT = "admin-schema-text"


class ContractState(AdminState):
    schema_agent_id: str = ""
    schema_agent_name: str = ""
    schema_text: str = ""  # as stored, pretty-printed, when the dialog opened

    @rx.var
    def schema_open(self) -> bool:
        return self.schema_agent_id != ""

    @rx.event
    async def open_schema(self, agent_id: str):
        """Open the dialog with the agent's schema as it is."""

        def work(session: Session, by: Reviewer) -> tuple[str, str]:
            name, schema = contract.schema_of(session=session, agent_id=id_of(agent_id, "agent"))
            return name, "" if schema is None else contract.pretty(schema)

        shown = await self._act(work)
        if shown is not None:
            self.schema_agent_id = agent_id
            self.schema_agent_name, self.schema_text = shown

    async def _store(self, text: str) -> bool:
        agent_id = self.schema_agent_id

        def work(session: Session, by: Reviewer) -> bool:
            agent = contract.set_schema(
                session=session,
                agent_id=id_of(agent_id, "agent"),
                schema=contract.parse(text),
                by=by,
                now=utc_now(),
            )
            return agent.context_schema is not None

        stored = await self._act(work)
        if stored is None:
            return False
        self.notice = f"Context schema of {self.schema_agent_name} " + ("saved." if stored else "removed.")
        self.schema_agent_id = self.schema_agent_name = self.schema_text = ""
        return True

    @rx.event
    async def save_schema(self, form: dict[str, str]):
        """Check and store the schema typed in the dialog (empty: remove it)."""
        await self._store(form.get("schema", ""))

    @rx.event
    async def clear_schema(self):
        """Remove the schema: any JSON object is accepted again."""
        await self._store("")

    @rx.event
    def use_recommended(self):
        """Fill the dialog with escalq's recommended schema, to edit or save."""
        if self.schema_agent_id:
            return rx.set_value(SCHEMA_INPUT, contract.pretty(contract.recommended()))
        return None

    @rx.event
    def schema_changed(self, is_open: bool):
        """The dialog closed: forget what it showed."""
        if not is_open:
            self.schema_agent_id = self.schema_agent_name = self.schema_text = ""
