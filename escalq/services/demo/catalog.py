"""What the demo's agents escalate: descriptions with their own numbers, contexts, and how people answer."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from escalq.models import Priority, Role

# Long enough for the password policy (12+ characters, zxcvbn score 3+, none of the emails' local parts).
DEMO_PASSWORD = "harbor-lantern-violet-47"
DEMO_REVIEWERS = (
    ("admin@escalq.test", "Ada Admin", Role.admin),
    ("manager@escalq.test", "Max Manager", Role.manager),
    ("riley@escalq.test", "Riley Reviewer", Role.reviewer),
    ("sam@escalq.test", "Sam Reviewer", Role.reviewer),
)
# The agent whose API key is printed; the others only add history.
MAIN_AGENT = "support-bot"
# The `.example` top-level domain never resolves (RFC 2606): a redelivery from the demo reaches nobody.
AGENTS = {
    "support-bot": "https://support.acme.example/escalq/webhook",
    "billing-bot": "https://billing.acme.example/hooks/escalq",
    "trust-bot": "https://trust.acme.example/escalq",
    "contracts-bot": "https://legal.acme.example/escalq/events",
    "content-bot": None,
}
Context = Callable[[random.Random, int], dict[str, Any]]


@dataclass(frozen=True)
class Template:
    """One kind of escalation an agent sends; `number` makes each description a case of its own."""

    agent: str
    text: str
    weights: tuple[int, int, int, int]  # urgent, high, medium, low
    context: Context
    fallback: str | None = None


def _order(rng: random.Random, number: int) -> dict[str, Any]:
    return {"order_id": f"A-{number}", "amount": round(rng.uniform(150, 4800), 2), "currency": "USD"}


def _customer(rng: random.Random, number: int) -> dict[str, Any]:
    return {"customer_id": f"C-{number}", "region": rng.choice(["EU", "US", "UK"]), "tier": "business"}


def _account(rng: random.Random, number: int) -> dict[str, Any]:
    return {"account": f"acct-{number}", "new_ips": rng.randint(3, 19), "country_changes": rng.randint(1, 4)}


def _document(rng: random.Random, number: int) -> dict[str, Any]:
    return {"document": f"MSA-{number}", "counterparty": rng.choice(["Globex", "Initech", "Umbrella"])}


def _draft(rng: random.Random, number: int) -> dict[str, Any]:
    return {"draft_id": f"NL-{number}", "audience": rng.randint(2_000, 90_000), "channel": "email"}


TEMPLATES = (
    Template(
        "support-bot", "Customer C-{n} asks to delete all their personal data (GDPR)", (0, 3, 5, 1), _customer
    ),
    Template(
        "support-bot",
        "Customer C-{n} is locked out of their account after an email change",
        (1, 4, 4, 1),
        _customer,
    ),
    Template(
        "support-bot",
        "Angry complaint from customer C-{n}: third late delivery this month",
        (0, 2, 5, 3),
        _customer,
    ),
    Template(
        "support-bot",
        "Customer C-{n} asks for an exception to the 30-day return window",
        (0, 1, 4, 5),
        _customer,
    ),
    Template(
        "billing-bot",
        "Refund for order A-{n} exceeds my approval limit",
        (2, 5, 3, 0),
        _order,
        fallback="Refund up to my limit, tell the customer the rest is in review",
    ),
    Template(
        "billing-bot", "Delivery note for PO-{n} does not match the purchase order", (0, 2, 5, 3), _order
    ),
    Template(
        "billing-bot", "Discount of 35% on deal D-{n} is more than I may authorize", (1, 4, 4, 1), _customer
    ),
    Template(
        "trust-bot",
        "Suspicious login to admin account acct-{n} from new countries",
        (6, 3, 1, 0),
        _account,
        fallback="Lock the account and require a password reset",
    ),
    Template("trust-bot", "Possible phishing email reported by employee E-{n}", (3, 5, 2, 0), _account),
    Template(
        "contracts-bot", "Contract MSA-{n} clause 7.2 is ambiguous about renewal", (0, 2, 6, 2), _document
    ),
    Template(
        "contracts-bot", "Vendor terms for PO-{n} cap liability below our policy", (0, 3, 5, 2), _document
    ),
    Template(
        "content-bot",
        "Newsletter draft NL-{n} mentions an unreleased feature: publish anyway?",
        (0, 1, 3, 6),
        _draft,
    ),
    Template("content-bot", "Blog post draft NL-{n} quotes a customer by name", (0, 1, 4, 5), _draft),
)
PRIORITIES = (Priority.urgent, Priority.high, Priority.medium, Priority.low)
NOTES = {
    "approved": ("Approved, go ahead.", "Approved; note it on the ticket.", "Fine by policy, approved."),
    "rejected": (
        "Rejected: outside policy. Tell the customer a specialist will follow up by email.",
        "Rejected, this needs the account owner's written consent first.",
    ),
    "answered": ("Use the standard wording from the playbook, section 4.", "Yes, but only for this order."),
    "other": ("Handed to the finance team by phone.",),
}
RESOLUTION_WEIGHTS = {"approved": 6, "rejected": 3, "answered": 2, "other": 1}
