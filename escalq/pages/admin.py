"""Admin: reviewers (pool, on-call, role, offboarding), the on-call rotation, agents (keys, secrets)."""

import reflex as rx

from escalq import sitemap
from escalq.components.badges import badge
from escalq.components.history import data_table, when
from escalq.components.oncall import oncall_section
from escalq.pages.agent_schema import schema_cell, schema_dialog
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.schemas.admin import AgentRow, KeyRow, ReviewerRow
from escalq.state.admin import ROLES, AdminState
from escalq.state.oncall import OncallState, zone_names


def _messages() -> rx.Component:
    return rx.fragment(
        rx.cond(
            AdminState.error != "",
            rx.callout(AdminState.error, icon="triangle_alert", color_scheme="red", id="admin-error"),
        ),
        rx.cond(
            AdminState.notice != "",
            rx.callout(AdminState.notice, icon="check", color_scheme="green", id="admin-notice"),
        ),
    )


def _reviewer_row(row: rx.Var[ReviewerRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.email),
        rx.table.cell(
            rx.hstack(
                rx.text(row.display_name),
                rx.cond(row.id == AdminState.reviewer_id, badge("you", variant="soft")),
                spacing="2",
            )
        ),
        rx.table.cell(
            rx.select(
                ROLES,
                value=row.role,
                on_change=lambda role: AdminState.set_role(row.id, role),
                size="1",
                custom_attrs={"aria-label": "Role"},
            )
        ),
        rx.table.cell(
            rx.switch(
                checked=row.active,
                on_change=lambda active: AdminState.set_active(row.id, active),
                custom_attrs={"aria-label": "In the pool"},
            )
        ),
        rx.table.cell(
            rx.switch(
                checked=row.on_call,
                on_change=lambda on_call: AdminState.set_on_call(row.id, on_call),
                custom_attrs={"aria-label": "On call"},
            )
        ),
        rx.table.cell(_access(row)),
        custom_attrs={"data-email": row.email},
        align="center",
    )


def _access(row: rx.Var[ReviewerRow]) -> rx.Component:
    """Offboarding: disable or enable, lift a sign-in lock, and the keys and password dialog."""
    return rx.hstack(
        rx.cond(
            row.disabled,
            rx.hstack(
                badge("disabled", color_scheme="red"),
                rx.button("Enable", size="1", on_click=AdminState.set_disabled(row.id, False)),
                spacing="2",
            ),
            _disable(row),
        ),
        rx.cond(
            row.locked_until != "",
            rx.button(
                "Unlock",
                size="1",
                variant="soft",
                color_scheme="amber",
                on_click=AdminState.unlock(row.id),
                title="Sign-in locked after too many failed attempts until " + row.locked_until,
            ),
        ),
        rx.button("Keys & password", size="1", variant="soft", on_click=AdminState.manage(row.id)),
        spacing="2",
        align="center",
    )


def _disable(row: rx.Var[ReviewerRow]) -> rx.Component:
    """Disabling cuts a person off at once, so it asks first."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Disable", size="1", color_scheme="red", variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Disable " + row.email + "?"),
            rx.alert_dialog.description(
                "Their sign-in, API keys and open sessions stop working at once; what they hold goes back "
                "to the queue. Their history stays, and you can enable them again."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Disable", color_scheme="red", on_click=AdminState.set_disabled(row.id, True))
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
        ),
    )


def _key_row(key: rx.Var[KeyRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(key.prefix)),
        rx.table.cell(when(key.created_at)),
        rx.table.cell(
            rx.cond(key.revoked_at != "", when(key.revoked_at), badge("works", color_scheme="green"))
        ),
    )


def _manage() -> rx.Component:
    """One reviewer's API keys (revoke them all) and a new password set by the admin."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Keys and password of " + AdminState.managed_email),
            rx.vstack(
                data_table(["Key prefix", "Created", "Revoked"], AdminState.managed_keys, _key_row),
                rx.button(
                    "Revoke all keys",
                    color_scheme="red",
                    variant="soft",
                    on_click=AdminState.revoke_keys,
                    id="admin-revoke-keys",
                ),
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="password",
                            id="admin-reset-password",
                            type="password",
                            placeholder="New password (12+ characters)",
                            required=True,
                        ),
                        rx.button("Set password", type="submit", id="admin-set-password"),
                        spacing="3",
                    ),
                    on_submit=AdminState.reset_password,
                ),
                rx.text("Setting a password signs them out everywhere.", size="1", color_scheme="gray"),
                _messages(),
                rx.flex(rx.dialog.close(rx.button("Done", variant="soft")), justify="end", width="100%"),
                spacing="4",
            ),
            id="admin-manage",
        ),
        open=AdminState.manage_open,
        on_open_change=AdminState.manage_changed,
    )


def _add_reviewer() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(name="email", id="admin-new-email", type="email", placeholder="Email", required=True),
            rx.input(name="display_name", id="admin-new-name", placeholder="Name", required=True),
            rx.input(
                name="password",
                id="admin-new-password",
                type="password",
                placeholder="Password (12+ characters)",
                required=True,
            ),
            rx.select(
                ROLES,
                value=AdminState.new_role,
                on_change=AdminState.set_new_role,
                custom_attrs={"aria-label": "New reviewer's role"},
            ),
            rx.text(
                rx.flex(
                    rx.switch(checked=AdminState.new_active, on_change=AdminState.set_new_active),
                    "In the pool",
                    spacing="2",
                ),
                as_="label",
                size="2",
            ),
            rx.button("Add reviewer", type="submit", id="admin-add-reviewer"),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        on_submit=AdminState.add_reviewer,
        id="admin-add-reviewer-form",
    )


def _reviewers() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Reviewers", size="5"),
            rx.text(
                "Reviewers in the pool get escalations round-robin; on-call reviewers hear about urgent "
                "ones nobody holds.",
                size="2",
                color_scheme="gray",
            ),
            data_table(
                ["Email", "Name", "Role", "In the pool", "On call", "Access"],
                AdminState.reviewers,
                _reviewer_row,
            ),
            _add_reviewer(),
            spacing="4",
            width="100%",
        ),
        id="admin-reviewers",
        width="100%",
    )


def _rotate(row: rx.Var[AgentRow]) -> rx.Component:
    """Rotating cuts the agent off until it has the new key, so it asks first."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Rotate key", size="1", variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Rotate the key of " + row.name + "?"),
            rx.alert_dialog.description(
                "Its current key stops working at once; the agent needs the new one to call escalq again."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Revoke and rotate", color_scheme="red", on_click=AdminState.rotate_key(row.id))
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
        ),
    )


def _rotate_secret(row: rx.Var[AgentRow]) -> rx.Component:
    """The old secret keeps signing for the chosen overlap: the agent switches without losing a webhook."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Rotate secret", size="1", variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Rotate the webhook secret of " + row.name + "?"),
            rx.alert_dialog.description(
                "Deliveries carry signatures with both the old and the new secret for the overlap, "
                "then only with the new one."
            ),
            rx.flex(
                rx.text("Overlap (hours)", size="2"),
                rx.select(
                    AdminState.overlap_choices,
                    value=AdminState.secret_overlap_h,
                    on_change=AdminState.set_secret_overlap,
                    size="1",
                    custom_attrs={"aria-label": "Overlap in hours"},
                ),
                spacing="2",
                align="center",
                margin_top="1em",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Rotate secret", color_scheme="red", on_click=AdminState.rotate_secret(row.id))
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
        ),
    )


def _limits(row: rx.Var[AgentRow]) -> rx.Component:
    """The agent's own rate limit and daily budget; empty fields fall back to the active policy's."""
    return rx.form(
        rx.hstack(
            rx.input(type="hidden", name="agent_id", value=row.id),
            rx.input(
                name="per_minute",
                default_value=row.rate_per_minute,
                placeholder="default",
                aria_label="per minute",
                width="7em",
                size="1",
            ),
            rx.text("/min", size="1"),
            rx.input(
                name="per_day",
                default_value=row.daily_budget,
                placeholder="default",
                aria_label="per day",
                width="8em",
                size="1",
            ),
            rx.text("/day", size="1"),
            rx.button("Save", size="1", variant="soft", type="submit"),
            spacing="1",
            align="center",
        ),
        on_submit=AdminState.set_agent_limits,
        custom_attrs={"data-limits": row.name},
    )


def _agent_row(row: rx.Var[AgentRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(rx.code(row.key_prefixes)),
        rx.table.cell(
            rx.cond(
                row.disabled,
                badge("disabled", color_scheme="red"),
                badge("enabled", color_scheme="green"),
            )
        ),
        rx.table.cell(row.created_at.split("T")[0]),
        rx.table.cell(
            rx.cond(
                row.previous_secret_until != "",
                badge("old one signs too until " + row.previous_secret_until, variant="soft"),
                rx.text("current only", size="2", color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.disabled,
                    rx.button("Enable", size="1", on_click=AdminState.set_agent_disabled(row.id, False)),
                    rx.button(
                        "Disable",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        on_click=AdminState.set_agent_disabled(row.id, True),
                    ),
                ),
                _rotate(row),
                _rotate_secret(row),
                spacing="2",
            )
        ),
        rx.table.cell(_limits(row)),
        rx.table.cell(schema_cell(row)),
        custom_attrs={"data-agent": row.name},
        align="center",
    )


def _agents() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Agents", size="5"),
            data_table(
                [
                    "Name",
                    "Key prefix",
                    "Status",
                    "Created",
                    "Webhook secrets",
                    "Actions",
                    "Limits",
                    "Context",
                ],
                AdminState.agents,
                _agent_row,
            ),
            rx.form(
                rx.hstack(
                    rx.input(name="name", id="admin-new-agent-name", placeholder="Agent name", required=True),
                    rx.button("Create agent", type="submit", id="admin-create-agent"),
                    spacing="3",
                ),
                on_submit=AdminState.create_agent,
                id="admin-create-agent-form",
            ),
            spacing="4",
            width="100%",
        ),
        id="admin-agents",
        width="100%",
    )


def _secret(label: str, value: rx.Var[str], element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, weight="bold", size="2"),
        rx.hstack(
            rx.code(value, id=element_id, style={"word_break": "break-all"}),
            rx.button(
                "Copy " + label,
                size="1",
                variant="soft",
                on_click=rx.set_clipboard(value),
                id=element_id + "-copy",
            ),
            align="center",
            spacing="2",
        ),
        spacing="1",
        width="100%",
    )


def _reveal() -> rx.Component:
    """A new key, a new webhook secret, or both for a new agent: shown here once, then forgotten."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Secrets for " + AdminState.revealed_for),
            rx.vstack(
                rx.callout(
                    "Copy them now: they will not be shown again. escalq keeps only a hash of the key "
                    "and the webhook secret encrypted.",
                    icon="triangle_alert",
                    color_scheme="amber",
                ),
                rx.cond(
                    AdminState.revealed_key != "",
                    _secret("API key", AdminState.revealed_key, "admin-revealed-key"),
                ),
                rx.cond(
                    AdminState.revealed_secret != "",
                    _secret("Webhook secret", AdminState.revealed_secret, "admin-revealed-secret"),
                ),
                rx.flex(
                    rx.dialog.close(rx.button("I have saved them", id="admin-reveal-done")),
                    justify="end",
                    width="100%",
                ),
                spacing="4",
            ),
            id="admin-reveal",
        ),
        open=AdminState.reveal_open,
        on_open_change=AdminState.reveal_changed,
    )


@page(sitemap.ADMIN, AdminState.load, OncallState.load_oncall)
def admin() -> rx.Component:
    return signed_in_page(
        AdminState,
        rx.vstack(
            rx.heading("Admin", size="6"),
            _messages(),
            _reviewers(),
            oncall_section(OncallState, zones=zone_names()),
            _agents(),
            _reveal(),
            _manage(),
            schema_dialog(),
            spacing="5",
            padding_y="1.5em",
        ),
    )
