"""The audit log, for managers and admins: every status change, who made it, and whether it is sealed."""

import reflex as rx

from escalq import sitemap
from escalq.components.badges import badge
from escalq.components.history import table_or_note
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.schemas.audit import AuditRow
from escalq.state.audit import AuditState


def _filter(name: str, label: str, value: rx.Var[str], **props: str) -> rx.Component:
    return rx.el.label(
        rx.vstack(
            rx.text(label, size="1", color_scheme="gray"),
            rx.input(name=name, default_value=value, size="2", **props),
            spacing="1",
        )
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            _filter("escalation", "Escalation id", AuditState.escalation, width="21em"),
            _filter("actor", "Actor (name as shown)", AuditState.actor),
            _filter("action", "Action", AuditState.action, placeholder="e.g. resolved"),
            _filter("since", "From (UTC)", AuditState.since, type="date"),
            _filter("until", "To (UTC, included)", AuditState.until, type="date"),
            _filter("rule", "Gate rule", AuditState.rule, placeholder="e.g. low-confidence"),
            _filter("policy_version", "Policy version", AuditState.policy_version, width="7em"),
            rx.button("Filter", type="submit", id="audit-filter"),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=AuditState.apply_filters,
        id="audit-filters",
    )


def _row(row: rx.Var[AuditRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.at, size="2")),
        rx.table.cell(
            rx.link(
                rx.code(row.escalation_id.split("-")[0]),
                href=sitemap.DETAIL.path(escalation_id=row.escalation_id),
            )
        ),
        rx.table.cell(row.actor),
        rx.table.row_header_cell(row.action),
        rx.table.cell(row.change),
        rx.table.cell(rx.code(row.details, size="1", style={"word_break": "break-all"})),
        rx.table.cell(
            rx.cond(row.sealed, badge("sealed", color_scheme="green"), badge("not yet", variant="soft"))
        ),
        custom_attrs={"data-event": row.id},
    )


@page(sitemap.AUDIT, AuditState.load)
def audit_page() -> rx.Component:
    return signed_in_page(
        AuditState,
        rx.vstack(
            rx.heading("Audit log", size="6"),
            rx.text(
                "Every status change, newest first. Each event is chained to the one before it; "
                "`escalq audit verify` checks the chains.",
                size="2",
                color_scheme="gray",
            ),
            _filters(),
            rx.cond(
                AuditState.error != "", rx.callout(AuditState.error, color_scheme="red", id="audit-error")
            ),
            table_or_note(
                ["When", "Escalation", "Actor", "Action", "Status", "Details", "Trail"],
                AuditState.rows,
                _row,
                "No event matches.",
            ),
            rx.hstack(
                rx.button(
                    "Newest", variant="soft", on_click=AuditState.newest, disabled=AuditState.cursor == 0
                ),
                rx.button(
                    "Older", on_click=AuditState.older, disabled=AuditState.next_cursor == 0, id="audit-older"
                ),
                spacing="3",
            ),
            spacing="4",
            padding_y="1.5em",
            width="100%",
        ),
    )
