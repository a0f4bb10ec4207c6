"""One escalation: description, context, who holds it, questions to its agent, timeline, webhooks."""

import reflex as rx

from escalq import sitemap
from escalq.components.badges import badge, priority_badge, status_badge
from escalq.components.history import delivery_row, event_row, notification_row, table_or_note, when
from escalq.components.resolve import notice, resolve_dialog
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.schemas.detail import ContextSection
from escalq.schemas.handback import ContextUpdateRow
from escalq.state.actions import RESOLUTIONS, WARRANTED
from escalq.state.detail import DetailState

E = DetailState.escalation


def _fact(label: str, value: rx.Component | rx.Var[str] | str) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _context_section(section: ContextSection) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.code(section.key),
            rx.el.span(" · ", section.size.to_string(), " characters"),
            cursor="pointer",
            font_size="var(--font-size-2)",
        ),
        rx.code_block(
            section.json, language="json", wrap_long_lines=True, custom_style={"maxHeight": "28em"}
        ),
        class_name="context-section",
    )


def _actions() -> rx.Component:
    holder_or_manager = (E.holder_id == DetailState.reviewer_id) | DetailState.is_manager
    may_resolve = (E.status != "resolved") & (E.status != "expired") & holder_or_manager
    may_ask = ((E.status == "claimed") | (E.status == "assigned")) & holder_or_manager
    return rx.hstack(
        rx.cond(
            (E.status == "pending") | (E.status == "assigned"),
            rx.button("Claim", on_click=DetailState.claim(E.id), id="detail-claim"),
        ),
        rx.cond(
            may_resolve,
            rx.button(
                "Resolve", variant="outline", on_click=DetailState.open_resolve(E.id), id="detail-resolve"
            ),
        ),
        rx.cond(
            may_ask,
            rx.button(
                "Ask the agent", variant="outline", on_click=DetailState.open_ask(E.id), id="detail-ask"
            ),
        ),
        rx.cond(
            ((E.status == "resolved") | (E.status == "expired")) & (E.webhook_url != ""),
            rx.button("Redeliver webhook", variant="soft", on_click=DetailState.redeliver, id="redeliver"),
        ),
    )


def _update(row: ContextUpdateRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                when(row.at),
                rx.text("added ", rx.code(row.added), size="2"),
                spacing="2",
                align="center",
            ),
            rx.cond(row.note != "", rx.text(row.note, white_space="pre-wrap", size="2")),
            rx.cond(
                row.added != "",
                rx.code_block(
                    row.json, language="json", wrap_long_lines=True, custom_style={"maxHeight": "20em"}
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="context-update",
    )


def _open_question() -> rx.Component:
    return rx.cond(
        (E.status == "needs_info") & (DetailState.open_question != ""),
        rx.callout(
            rx.text(
                DetailState.asked_by,
                " asked the agent: ",
                rx.el.q(DetailState.open_question),
                " It comes back with the answer.",
                white_space="pre-wrap",
            ),
            icon="message_circle_question",
            color_scheme="cyan",
            id="open-question",
        ),
    )


def _ask_dialog() -> rx.Component:
    """The question for the agent; the escalation comes back to the asker with the answer."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Ask the agent"),
            rx.dialog.description(
                "The agent gets your question by webhook; its answer brings the escalation back to you.",
                size="2",
            ),
            rx.vstack(
                rx.text_area(
                    value=DetailState.question,
                    on_change=DetailState.set_question,
                    id="question",
                    rows="4",
                    max_length=2000,
                ),
                rx.hstack(
                    rx.button("Cancel", variant="soft", color_scheme="gray", on_click=DetailState.close_ask),
                    rx.button("Ask", on_click=DetailState.ask, id="confirm-ask"),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
            ),
        ),
        open=DetailState.ask_open,
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), DetailState.close_ask()),
    )


def _body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            priority_badge(E.priority, E.bumped),
            status_badge(E.status),
            rx.spacer(),
            _actions(),
            width="100%",
        ),
        rx.heading(E.description, size="5", white_space="pre-wrap", id="detail-description"),
        notice(DetailState),
        rx.cond(
            E.agent_not_told_at != "",
            rx.callout(
                rx.text(
                    "Agent not told: every attempt to deliver the webhook failed (the last ",
                    rx.moment(E.agent_not_told_at, from_now=True),
                    "). The decision stays readable through the API; Redeliver sends it again.",
                ),
                icon="triangle_alert",
                color_scheme="red",
                id="agent-not-told",
            ),
        ),
        rx.cond(
            E.sampled,
            rx.callout(
                "Sampled for review: the decision gate would have let the agent continue; a share of "
                "those is escalated anyway so people check the rules. Say below whether escalating was "
                "warranted.",
                icon="info",
                color_scheme="blue",
                id="sampled",
            ),
        ),
        _open_question(),
        rx.data_list.root(
            _fact("Agent", E.source_agent),
            _fact(
                "Opened by",
                rx.text(
                    rx.cond(E.rule != "", rx.text("rule ", rx.code(E.rule)), "the agent directly"),
                    rx.cond(
                        E.policy_version > 0, rx.text(" under policy v", E.policy_version.to_string()), ""
                    ),
                ),
            ),
            _fact(
                "Category", rx.cond(E.category != "", rx.text(E.category, " (", E.category_source, ")"), "—")
            ),
            _fact("Created", when(E.created_at)),
            _fact(
                "Held by",
                rx.cond(
                    E.holder != "",
                    rx.text(E.holder, " since ", rx.moment(E.holder_since, from_now=True)),
                    "nobody",
                ),
            ),
            _fact(
                "Resolution",
                rx.cond(
                    E.resolution != "",
                    rx.text(E.resolution, " by ", E.resolved_by, ": ", E.resolution_notes),
                    "—",
                ),
            ),
            _fact("Warranted", rx.cond(E.warranted != "", E.warranted, "—")),
            _fact("Webhook", rx.cond(E.webhook_url != "", rx.code(E.webhook_url), "none")),
            _fact(
                "Expires",
                rx.cond(
                    E.expires_at != "",
                    rx.text(
                        when(E.expires_at),
                        rx.cond(E.fallback != "", " (then the agent will: " + E.fallback + ")", ""),
                    ),
                    "never",
                ),
            ),
            _fact(
                "Repeats",
                rx.hstack(
                    rx.text(E.repeat_count.to_string(), " times sent again while open"),
                ),
            ),
            _fact(
                "Asked before",
                rx.cond(
                    E.related_to != "",
                    rx.hstack(
                        rx.link(
                            badge("loop?", color_scheme="red"),
                            href=sitemap.DETAIL.path(escalation_id=E.related_to),
                            id="related-link",
                        ),
                        rx.text("decided ", E.related_resolution, id="related-resolution"),
                    ),
                    "no",
                ),
            ),
        ),
        rx.heading("Context", size="4"),
        rx.text(
            E.context_size.to_string(),
            " characters of JSON; open a key to read it.",
            size="1",
            color_scheme="gray",
        ),
        rx.vstack(rx.foreach(E.context, _context_section), width="100%", id="context"),
        rx.cond(
            DetailState.updates.length() > 0,
            rx.vstack(
                rx.heading("Added by the agent", size="4"),
                rx.text("Oldest first; the context above includes it.", size="1", color_scheme="gray"),
                rx.foreach(DetailState.updates, _update),
                width="100%",
                id="context-updates",
            ),
        ),
        rx.heading("Timeline", size="4"),
        table_or_note(["When", "What", "Status", "Who", "Details"], E.events, event_row, "No events."),
        rx.heading("Webhook deliveries", size="4"),
        table_or_note(
            ["#", "When", "Outcome", "HTTP", "Took", "Answer or error"],
            E.deliveries,
            delivery_row,
            "No deliveries yet: the webhook goes out when it is resolved, expires or needs an answer.",
        ),
        rx.heading("Notifications", size="4"),
        table_or_note(
            ["Channel", "To", "Why", "Status", "Attempts", "Error"],
            E.notifications,
            notification_row,
            "No notifications.",
        ),
        resolve_dialog(DetailState, resolutions=RESOLUTIONS, warranted=WARRANTED),
        _ask_dialog(),
        spacing="4",
        width="100%",
    )


@page(sitemap.DETAIL, DetailState.load)
def detail_page() -> rx.Component:
    return signed_in_page(
        DetailState,
        rx.box(
            rx.cond(
                DetailState.escalation,
                _body(),
                rx.callout(
                    rx.cond(DetailState.missing != "", DetailState.missing, "Loading…"), color_scheme="gray"
                ),
            ),
            padding_y="1.5em",
        ),
    )
