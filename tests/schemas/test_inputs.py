"""The shared input types check exactly what their schema says."""

import re
from typing import Annotated

import jsonschema_rs
import pytest
from pydantic import BaseModel, Field, ValidationError

from escalq.schemas.inputs import NOT_BLANK, NonBlank, UtcDatetime

WHITESPACE = [chr(code) for code in range(0x110000) if chr(code).isspace()]


class Form(BaseModel):
    text: Annotated[str, Field(max_length=8), NonBlank()]
    at: UtcDatetime | None = None


def test_not_blank_is_python_whitespace_in_every_engine():
    python = re.compile(NOT_BLANK)
    ecma = jsonschema_rs.validator_for({"type": "string", "pattern": NOT_BLANK})

    assert [c for c in map(chr, range(0x110000)) if python.search(c) is None] == WHITESPACE
    for character in [*WHITESPACE, "\ufeff", "a", "\x00", "\U0001f600"]:
        assert ecma.is_valid(character) is (not character.isspace()), hex(ord(character))


@pytest.mark.parametrize("blank", ["", " ", "\x1f", "\u3000\n", *WHITESPACE])
def test_blank_text_is_refused(blank):
    with pytest.raises(ValidationError, match=r"something besides whitespace|at least"):
        Form(text=blank)


def test_text_is_stripped_and_the_limit_counts_what_was_sent():
    assert Form(text=" ok ").text == "ok"
    with pytest.raises(ValidationError, match="at most 8"):
        Form(text="  okay  !")


@pytest.mark.parametrize("value", ["0.5", "1764656624", "2026-11-22 09:00:00Z", "2026-11-22T09:00:00"])
def test_times_must_be_rfc3339_with_an_offset(value):
    with pytest.raises(ValidationError, match=r"RFC 3339|timezone"):
        Form(text="x", at=value)


def test_times_are_kept_in_utc():
    assert Form(text="x", at="2026-11-22T10:00:00+01:00").at.isoformat() == "2026-11-22T09:00:00+00:00"
