"""The create schema: webhook_url accepts exactly what its OpenAPI pattern says; one expiry at most."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from escalq.schemas.escalation import WEBHOOK_URL_PATTERN, EscalationCreate


def create(**fields) -> EscalationCreate:
    return EscalationCreate(issue_description="Refund", priority="high", **fields)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/in?x=1#y",
        " HTTP://Hooks.Example.COM:8443/in ",
        "http://127.0.0.1:18951/hook",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
    ],
)
def test_urls_the_pattern_allows_are_accepted_as_sent(url):
    assert create(webhook_url=url).webhook_url == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "http://user:secret@example.com/hook",
        "http://127.0.0.1:18951\\@example.com/",
        "http://0x7f.1/",
        "http://1.2.3/",
        "http://example.com:65536/",
        "http://[::1%25eth0]/",
        "http://exa mple.com/",
        "https://",
    ],
)
def test_urls_outside_the_pattern_are_refused(url):
    with pytest.raises(ValidationError, match="absolute http"):
        create(webhook_url=url)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(url=st.from_regex(WEBHOOK_URL_PATTERN, fullmatch=True).filter(lambda url: len(url) <= 2048))
def test_every_url_matching_the_pattern_is_accepted(url):
    assert create(webhook_url=url).webhook_url == url.strip()


def test_one_expiry_at_most_with_null_as_absent():
    assert create(expires_at=None, expires_in=60).expires_in == 60
    with pytest.raises(ValidationError, match="not both"):
        create(expires_at="2030-01-01T00:00:00Z", expires_in=60)
