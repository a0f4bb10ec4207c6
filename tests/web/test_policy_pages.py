"""The policies page's admin actions over the socket: approve (not one's own), confirm, activate."""

from typing import Any

from escalq.clock import utc_now
from escalq.models import PolicyVersion, Role
from escalq.schemas.policy import PolicyDocument
from escalq.services import policies
from tests.factories import PASSWORD, make_reviewer
from tests.web.handlers import found_named
from tests.web.tab import Tab


def _send(tab: Tab, name: str, payload: dict[str, Any]) -> None:
    tab.send(found_named("PolicyEditState", name).event_name, payload, "/policies")


def test_an_admin_approves_anothers_version_not_their_own_and_activates_it(backend, session):
    grace = make_reviewer(session, "grace@example.com", role=Role.admin).reviewer
    bob = make_reviewer(session, "bob@example.com", role=Role.admin).reviewer
    policies.current(session)
    document = PolicyDocument().model_dump(mode="json")
    document["expiry"]["high_fallback"] = "deny"
    for author in (bob, grace):
        policies.propose(session=session, document=document, author=author, comment="", now=utc_now())
    session.commit()
    tab = Tab(backend.url)
    tab.sign_in("grace@example.com", PASSWORD)
    try:
        _send(tab, "approve", {"number": 2})
        tab.wait_until(lambda: "v2 approved." in tab.text(), what="the approval")
        _send(tab, "approve", {"number": 3})
        tab.wait_until(lambda: "policy v3 was proposed by you" in tab.text(), what="the refusal")
        seen = len(tab.updates)
        _send(tab, "ask_activation", {"number": 2})
        tab.wait_until(
            lambda: "expiry.high_fallback: None -> 'deny'" in tab.text_since(seen), what="the diff to confirm"
        )
        _send(tab, "activate", {})
        tab.wait_until(lambda: "v2 is active (was v1)." in tab.text(), what="the activation")
    finally:
        tab.close()
    session.expire_all()
    approved, own = session.get(PolicyVersion, 2), session.get(PolicyVersion, 3)
    assert (approved.approved_by, approved.active, own.approved_at) == (grace.id, True, None)
