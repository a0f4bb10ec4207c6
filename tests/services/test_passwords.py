"""One password policy: length first, then the email's local part, then zxcvbn."""

import time

import pytest

from escalq.services.errors import Invalid
from escalq.services.passwords import check_password

EMAIL = "maxine@example.com"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaaaa", "too easy to guess. Repeats like"),
        ("password1234", "too easy to guess. This is a very common password"),
        ("my-name-is-Maxine-42", "must not contain 'maxine'"),
        ("k7#Qw9!zR2m", "at least 12 characters"),
        ("k7#Qw9!zR2mX" * 85 + "abcde", "at most 1024 characters"),
        ("Maxine Mustermann", "must not contain"),
    ],
)
def test_weak_or_odd_passwords_are_refused_with_a_reason(password, why):
    with pytest.raises(Invalid, match=why) as refused:
        check_password(password, email=EMAIL, display_name="Maxine Mustermann")
    assert refused.value.field == "password"


def test_the_display_name_counts_as_guessable():
    check_password("mustermann2026", email="ops@example.com")
    with pytest.raises(Invalid, match="too easy to guess"):
        check_password("mustermann2026", email="ops@example.com", display_name="Erika Mustermann")


def test_strong_passwords_of_12_and_1024_characters_are_accepted():
    check_password("k7#Qw9!zR2mX", email=EMAIL)
    check_password("k7#Qw9!zR2mX" * 85 + "abcd", email=EMAIL)


def test_a_huge_password_is_refused_before_any_costly_work():
    started = time.perf_counter()
    with pytest.raises(Invalid, match="at most"):
        check_password("ab" * 100_000, email=EMAIL)
    assert time.perf_counter() - started < 0.05


def test_a_long_password_is_rated_quickly():
    started = time.perf_counter()
    check_password("correct-horse-battery-" + "ab" * 500, email=EMAIL)
    assert time.perf_counter() - started < 2


def test_a_short_local_part_does_not_rule_out_every_password_containing_it():
    check_password("correct-horse-battery", email="co@example.com")
