"""The policies page: every version, one version's document and its diff from the active one; admins edit
it as a new version, approve, activate and roll back (each confirmed with the diff, each audited)."""

import reflex as rx

from escalq import sitemap
from escalq.components.badges import badge
from escalq.components.history import table_or_note, when
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.schemas.policy_rows import FieldError, PolicyRow, RuleTestRow
from escalq.state.policies import TEST_DAYS, PoliciesState, PolicyEditState

DOCUMENT_INPUT = "policy-document"


def _changes(changes: rx.Var[list[str]], *, none: str, element_id: str) -> rx.Component:
    return rx.cond(
        changes.length() > 0,
        rx.el.ul(rx.foreach(changes, lambda c: rx.el.li(rx.code(c, size="2"))), id=element_id),
        rx.text(none, size="2", color_scheme="gray", id=element_id),
    )


def _activate_label(row: rx.Var[PolicyRow]) -> rx.Var[str]:
    return rx.cond(row.older, "Roll back to v" + row.number.to_string(), "Activate")


def _actions(row: rx.Var[PolicyRow]) -> rx.Component:
    may_approve = (
        PoliciesState.approval_required
        & ~row.approved
        & (row.author_id != "")
        & (row.author_id != PoliciesState.reviewer_id)
    )
    return rx.hstack(
        rx.button("View", size="1", variant="soft", on_click=PoliciesState.show(row.number)),
        rx.cond(
            PoliciesState.is_admin & may_approve,
            rx.button("Approve", size="1", variant="soft", on_click=PolicyEditState.approve(row.number)),
        ),
        rx.cond(
            PoliciesState.is_admin & ~row.active,
            rx.button(_activate_label(row), size="1", on_click=PolicyEditState.ask_activation(row.number)),
        ),
        spacing="2",
    )


def _row(row: rx.Var[PolicyRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell("v", row.number.to_string()),
        rx.table.cell(
            rx.hstack(
                rx.cond(row.active, badge("active", color_scheme="green")),
                rx.cond(row.approved, badge("approved", color_scheme="blue")),
                spacing="1",
            )
        ),
        rx.table.cell(row.author),
        rx.table.cell(when(row.created_at)),
        rx.table.cell(row.comment),
        rx.table.cell(_actions(row)),
        custom_attrs={"data-version": row.number},
    )


def _shown() -> rx.Component:
    """The shown version: what it changes from the active one, then its document."""
    return rx.vstack(
        rx.hstack(
            rx.heading("Version ", PoliciesState.shown.to_string(), size="4", id="policy-shown"),
            rx.cond(PoliciesState.shown == PoliciesState.active, badge("active", color_scheme="green")),
            rx.spacer(),
            rx.cond(
                PoliciesState.is_admin,
                rx.button("Edit as new version", on_click=PolicyEditState.open_edit, id="policy-edit"),
            ),
            align="center",
            width="100%",
        ),
        rx.text("Changes from the active version", size="2", weight="bold"),
        _changes(
            PoliciesState.shown_changes, none="None: it is the active document.", element_id="policy-diff"
        ),
        rx.el.pre(
            PoliciesState.shown_text,
            id="policy-json",
            style={"white_space": "pre-wrap", "font_size": "var(--font-size-1)", "margin": "0"},
        ),
        spacing="3",
        width="100%",
    )


def _test_row(row: rx.Var[RuleTestRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(row.rule)),
        *(
            rx.table.cell(value.to_string())
            for value in (row.before, row.after, row.to_escalate, row.to_continue, row.changed)
        ),
    )


def _rule_test() -> rx.Component:
    """The shown version's rules replayed over recent decision-gate calls, before anyone activates it."""
    return rx.vstack(
        rx.heading("Rule test", size="4"),
        rx.text(
            "Replays the decision-gate calls agents made (POST /api/evaluate) through this version's rules "
            "and counts the decisions that would change, per rule. Sampling is left out.",
            size="2",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.select(
                list(TEST_DAYS),
                value=PoliciesState.test_days,
                on_change=PoliciesState.set_test_days,
                size="2",
                custom_attrs={"aria-label": "Days to replay"},
            ),
            rx.text("days", size="2"),
            rx.button(
                "Test v", PoliciesState.shown.to_string(), on_click=PoliciesState.run_test, id="policy-test"
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            PoliciesState.tested == PoliciesState.shown,
            rx.vstack(
                rx.text(PoliciesState.test_summary, size="2", id="policy-test-summary"),
                table_or_note(
                    ["Rule", "Fired before", "Would fire", "To escalate", "To continue", "Other rule"],
                    PoliciesState.test_rows,
                    _test_row,
                    "This version has no rules.",
                ),
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _field_error(error: rx.Var[FieldError]) -> rx.Component:
    return rx.el.li(rx.code(error.path), ": ", error.message)


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New version from v", PoliciesState.shown.to_string()),
            rx.form(
                rx.vstack(
                    rx.text(
                        "Saved as a new version, not active: activate it from the list.",
                        size="2",
                    ),
                    rx.cond(
                        PolicyEditState.field_errors.length() > 0,
                        rx.callout.root(
                            rx.el.ul(rx.foreach(PolicyEditState.field_errors, _field_error)),
                            color_scheme="red",
                            id="policy-errors",
                        ),
                    ),
                    rx.text_area(
                        name="document",
                        id=DOCUMENT_INPUT,
                        default_value=PoliciesState.shown_text,
                        rows="20",
                        width="100%",
                        style={"font_family": "monospace"},
                        custom_attrs={"aria-label": "Policy document (JSON)"},
                    ),
                    rx.input(
                        name="comment",
                        id="policy-comment",
                        placeholder="Why this version",
                        width="100%",
                        custom_attrs={"aria-label": "Comment"},
                    ),
                    rx.hstack(
                        rx.spacer(),
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save as new version", type="submit", id="policy-save"),
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=PolicyEditState.save_version,
            ),
            id="policy-editor",
            max_width="52em",
        ),
        open=PolicyEditState.editing,
        on_open_change=PolicyEditState.edit_changed,
    )


def _confirm_dialog() -> rx.Component:
    number = PolicyEditState.confirming.to_string()
    verb = rx.cond(PolicyEditState.confirming < PoliciesState.active, "Roll back to v", "Activate v")
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(verb, number, "?"),
            rx.alert_dialog.description(
                "Every process uses it within seconds. It changes:", size="2", margin_bottom="0.5em"
            ),
            _changes(
                PolicyEditState.confirm_changes,
                none="Nothing: the same document.",
                element_id="policy-confirm-diff",
            ),
            rx.cond(
                PolicyEditState.confirm_test != "",
                rx.callout(
                    PolicyEditState.confirm_test, size="1", margin_top="0.75em", id="policy-confirm-test"
                ),
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(verb, number, on_click=PolicyEditState.activate, id="policy-activate")
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
            id="policy-confirm",
        ),
        open=PolicyEditState.confirm_open,
        on_open_change=PolicyEditState.activation_changed,
    )


@page(sitemap.POLICIES, PoliciesState.load)
def policies_page() -> rx.Component:
    return signed_in_page(
        PoliciesState,
        rx.vstack(
            rx.heading("Policies", size="6"),
            rx.text(
                "Every threshold that decides how escalations behave, as numbered versions; one is active. "
                "Activating an older version rolls back to it.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                PoliciesState.error != "",
                rx.callout(PoliciesState.error, color_scheme="red", id="policy-error"),
            ),
            rx.cond(
                PoliciesState.notice != "",
                rx.callout(PoliciesState.notice, color_scheme="green", id="policy-notice"),
            ),
            table_or_note(
                ["Version", "State", "Author", "Created (UTC)", "Comment", "Actions"],
                PoliciesState.versions,
                _row,
                "No versions yet.",
            ),
            rx.divider(),
            _shown(),
            _rule_test(),
            _edit_dialog(),
            _confirm_dialog(),
            spacing="4",
            padding_y="1.5em",
            width="100%",
        ),
    )
