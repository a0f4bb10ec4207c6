"""The admin page's context-schema pieces: the agents table's cell and the editing dialog."""

import reflex as rx

from escalq.components.badges import badge
from escalq.schemas.admin import AgentRow
from escalq.state.contract import SCHEMA_INPUT, ContractState


def schema_cell(row: rx.Var[AgentRow]) -> rx.Component:
    """Whether the agent's context_data must follow a schema, and the button to edit it."""
    return rx.hstack(
        rx.cond(
            row.has_context_schema,
            badge("schema", color_scheme="blue"),
            rx.text("any object", size="2", color_scheme="gray"),
        ),
        rx.button("Edit", size="1", variant="soft", on_click=ContractState.open_schema(row.id)),
        spacing="2",
        align="center",
        custom_attrs={"data-schema": row.name},
    )


def schema_dialog() -> rx.Component:
    """A JSON Schema for one agent's context_data: checked when saved; empty removes it."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Context schema of " + ContractState.schema_agent_name),
            rx.form(
                rx.vstack(
                    rx.text(
                        "A JSON Schema its context_data must follow; a create that does not gets 422 with "
                        "each error. Leave it empty for any JSON object.",
                        size="2",
                    ),
                    rx.cond(
                        ContractState.error != "",
                        rx.callout(ContractState.error, color_scheme="red", id="admin-schema-error"),
                    ),
                    rx.text_area(
                        name="schema",
                        id=SCHEMA_INPUT,
                        default_value=ContractState.schema_text,
                        placeholder='{"type": "object", "required": ["order"]}',
                        rows="16",
                        width="100%",
                        style={"font_family": "monospace"},
                        custom_attrs={"aria-label": "JSON Schema"},
                    ),
                    rx.hstack(
                        rx.button(
                            "Use the recommended",
                            type="button",
                            variant="soft",
                            on_click=ContractState.use_recommended,
                        ),
                        rx.button(
                            "Remove",
                            type="button",
                            color_scheme="red",
                            variant="soft",
                            on_click=ContractState.clear_schema,
                        ),
                        rx.spacer(),
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save", type="submit", id="admin-schema-save"),
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=ContractState.save_schema,
            ),
            id="admin-schema",
            max_width="48em",
        ),
        open=ContractState.schema_open,
        on_open_change=ContractState.schema_changed,
    )
