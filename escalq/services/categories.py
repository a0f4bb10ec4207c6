"""Reason categories for the managers' top-10 list: from an LLM when configured, else local rules."""

import re
import uuid
from collections.abc import Callable

from sqlalchemy import func
from sqlmodel import Session, col, select

from escalq.models import Escalation

LOCAL = "local"
MAX_CATEGORY_CHARS = 40
# Ordered: the first rule with a matching keyword wins, so specific reasons come before broad ones.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("security concern", ("security", "login", "breach", "phishing", "fraud", "suspicious", "password")),
    ("data privacy", ("gdpr", "privacy", "personal data", "delete all", "pii", "consent")),
    ("refund or payment", ("refund", "payment", "charge", "invoice", "billing", "paid", "$", "€")),
    ("legal or contract", ("contract", "legal", "clause", "liability", "terms", "compliance")),
    ("approval limit", ("approval", "limit", "exceeds", "authorize", "authorise", "permission")),
    ("account access", ("account", "access", "locked", "unlock", "credentials")),
    ("content review", ("publish", "post", "newsletter", "draft", "content", "tweet")),
    ("data quality", ("mismatch", "does not match", "inconsistent", "missing", "duplicate")),
    ("customer complaint", ("complaint", "angry", "unhappy", "escalate", "upset")),
)
FALLBACK = "other"


def local_category(description: str) -> str:
    """A deterministic category from keywords; no network."""
    text = description.lower()
    for category, keywords in _RULES:
        if any(keyword in text for keyword in keywords):
            return category
    return FALLBACK


def normalize(category: str) -> str:
    """Lower case, single spaces, bounded length: so equal reasons count together."""
    cleaned = re.sub(r"[^\w &/-]+", "", category.lower())
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned[:MAX_CATEGORY_CHARS].strip() or FALLBACK


def known_categories(*, session: Session, limit: int = 25) -> list[str]:
    """The categories in use, most common first: the model is asked to reuse them."""
    query = (
        select(Escalation.category)
        .where(col(Escalation.category).is_not(None))
        .group_by(col(Escalation.category))
        .order_by(func.count().desc(), col(Escalation.category))
        .limit(limit)
    )
    return [name for name in session.exec(query) if name]


def categorize(
    *, session: Session, escalation_id: uuid.UUID, ask: Callable[[str, list[str]], str] | None, source: str
) -> Escalation | None:
    """Fill in the escalation's category; `ask(description, known)` is the model, None for local rules."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        return None
    if ask is None:
        escalation.category, escalation.category_source = local_category(escalation.issue_description), LOCAL
    else:
        known = known_categories(session=session)
        escalation.category = normalize(ask(escalation.issue_description, known))
        escalation.category_source = source
    session.add(escalation)
    return escalation
