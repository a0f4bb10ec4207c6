"""What leaves escalq in Slack and email has secrets and personal data masked; the database keeps it all."""

import json

import pytest

from escalq.models import Escalation, Priority
from escalq.services import notifications
from escalq.services.masking import mask
from tests.factories import make_agent, make_escalation, make_reviewer

PUBLIC_URL = "https://escalq.example"


@pytest.mark.parametrize(
    ("text", "secret", "replacement"),
    [
        pytest.param(
            "pay with 4111 1111 1111 1111 now", "4111 1111 1111 1111", "[card …1111]", id="visa spaced"
        ),
        pytest.param("card 4111-1111-1111-1111", "4111-1111-1111-1111", "[card …1111]", id="visa dashed"),
        pytest.param("card 5500000000000004 ok", "5500000000000004", "[card …0004]", id="mastercard"),
        pytest.param("amex 3782 822463 10005", "3782 822463 10005", "[card …0005]", id="amex 15 digits"),
        pytest.param("key sk-live_abcdefghij1234 here", "sk-live_abcdefghij1234", "[key]", id="sk key"),
        pytest.param(
            "our esq_qzxKAdqtVPNkOJ4D1uWm key", "esq_qzxKAdqtVPNkOJ4D1uWm", "[key]", id="escalq key"
        ),
        pytest.param("AWS AKIAABCDEFGHIJKLMNOP leaked", "AKIAABCDEFGHIJKLMNOP", "[key]", id="aws key"),
        pytest.param("ghp_abcdefghijklmnopqrstuv pushed", "ghp_abcdefghijklmnopqrstuv", "[key]", id="github"),
        pytest.param("slack xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij", "[key]", id="slack"),
        pytest.param("password: hunter2secret", "hunter2secret", "[secret]", id="password"),
        pytest.param("Authorization: Bearer abc.def.ghi123", "abc.def.ghi123", "[secret]", id="bearer"),
        pytest.param("api_key=zzzzzzzzzz", "zzzzzzzzzz", "[secret]", id="api_key"),
        pytest.param("mail jane.doe+x@example.co.uk now", "jane.doe+x@example.co.uk", "[email]", id="email"),
        pytest.param("call +49 30 1234 5678 now", "1234 5678", "[phone]", id="phone intl"),
        pytest.param("tel +1-555-123-4567", "555-123-4567", "[phone]", id="phone dashed"),
        pytest.param("phone: 030 12345678", "12345678", "[phone]", id="phone local"),
    ],
)
def test_each_kind_is_masked(text, secret, replacement):
    masked = mask(text)

    assert secret not in masked
    assert replacement in masked


def test_a_card_keeps_only_its_last_four_digits():
    masked = mask("Charge 4539 5787 6362 1486 twice")

    assert masked == "Charge [card …1486] twice"


@pytest.mark.parametrize("number", ["4111111111111112", "4111 1111 1111 1112", "1234567812345678"])
def test_a_luhn_invalid_number_is_not_shown_as_a_card(number):
    masked = mask(f"reference {number} attached")

    assert "[card" not in masked


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Due on 2026-11-22, refund 4,200.50 EUR for order 1042", id="iso date and amount"),
        pytest.param("created 2026-11-22T09:00:00Z", id="iso timestamp utc"),
        pytest.param("created 2026-11-22T09:00:00+01:00", id="iso timestamp offset"),
        pytest.param("from 2026-11-01 to 2026-11-30", id="two dates"),
        pytest.param("amount 12,345,678.90 USD", id="large amount"),
        pytest.param("1.234.567,89 EUR", id="european amount"),
        pytest.param("short id 12345678 and 22.11.2026", id="eight digits and a dotted date"),
        pytest.param("version 1.2.3.4", id="version"),
        pytest.param("Refund above my limit", id="plain words"),
    ],
)
def test_dates_amounts_and_plain_text_are_untouched(text):
    assert mask(text) == text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("created 2026-11-22 09:00:00", id="iso timestamp with a space"),
        pytest.param("logged at 2026-11-22 09:00:00.123456+00:00", id="python str of a datetime"),
        pytest.param("billing period 2026-11-01/2026-11-30", id="iso interval"),
        pytest.param("amount 1 234 567,00 EUR", id="amount with spaces"),
        pytest.param("amount USD 1 234 567.00", id="amount with spaces and cents"),
    ],
)
def test_other_common_date_and_amount_spellings_are_untouched(text):
    assert mask(text) == text


def test_credential_words_in_prose_are_not_masked():
    # Without a value after them, "token" and "password" are just words a reviewer needs to read.
    text = "The token expired yesterday and the password reminder bounced"

    assert mask(text) == text


def test_several_kinds_in_one_text():
    text = "Jane (jane@example.com, +44 20 7946 0958) paid with 4111111111111111; token: abcdef123456"

    masked = mask(text)

    assert masked == "Jane ([email], [phone]) paid with [card …1111]; [secret]"


def secret_context() -> dict:
    return {
        "customer": {"email": "jane.doe@example.com", "phone": "+49 30 1234 5678"},
        "card": "4111 1111 1111 1111",
        "api_key": "sk-live_abcdefghij1234",
        "amount": "4,200.50 EUR",
        "due": "2026-11-22",
    }


def test_the_notification_masks_the_description_and_context_but_the_database_keeps_them(session, now):
    agent = make_agent(session).agent
    make_reviewer(session)
    description = "Jane (jane.doe@example.com) wants 4,200.50 EUR back to card 4111 1111 1111 1111"
    escalation = make_escalation(
        session, agent, priority=Priority.urgent, description=description, context=secret_context(), now=now
    )

    subject, text = notifications.message(
        session=session, escalation=escalation, kind=notifications.URGENT_CREATED, public_url=PUBLIC_URL
    )

    for leaked in ("jane.doe@example.com", "4111 1111 1111 1111", "1234 5678", "sk-live_abcdefghij1234"):
        assert leaked not in subject
        assert leaked not in text
    assert "Description: Jane ([email]) wants 4,200.50 EUR back to card [card …1111]" in text
    context_line = next(line for line in text.splitlines() if line.startswith("Context: "))
    assert '"email": "[email]"' in context_line
    assert '"card": "[card …1111]"' in context_line
    assert '"due": "2026-11-22"' in context_line
    assert "4,200.50 EUR" in context_line
    assert subject.startswith("[escalq] Urgent escalation: Jane ([email]) wants 4,200.50 EUR")
    assert f"{PUBLIC_URL}/escalations/{escalation.id}" in text
    session.expire_all()
    stored = session.get(Escalation, escalation.id)
    assert stored.issue_description == description
    assert stored.context_data == secret_context()


def test_the_context_excerpt_is_short(session, now):
    agent = make_agent(session).agent
    escalation = make_escalation(session, agent, context={"log": "line " * 2_000}, now=now)

    _, text = notifications.message(
        session=session, escalation=escalation, kind=notifications.NO_REVIEWER, public_url=PUBLIC_URL
    )

    context_line = next(line for line in text.splitlines() if line.startswith("Context: "))
    assert len(context_line) <= len("Context: ") + 500
    assert context_line.endswith("…")


@pytest.mark.parametrize("padding", [440, 456, 464])
def test_a_secret_cut_by_the_excerpt_is_not_shown_in_part(session, now, padding):
    # The excerpt is cut at a length; whatever part of an email address lands before the cut must not
    # reach Slack or email either.
    agent = make_agent(session).agent
    escalation = make_escalation(
        session, agent, context={"note": "x" * padding, "email": "jane.doe@example.com"}, now=now
    )
    excerpt = json.dumps(escalation.context_data, ensure_ascii=False)
    assert "jane.doe@example.com" in excerpt

    _, text = notifications.message(
        session=session, escalation=escalation, kind=notifications.NO_REVIEWER, public_url=PUBLIC_URL
    )

    assert "jane.doe" not in text
