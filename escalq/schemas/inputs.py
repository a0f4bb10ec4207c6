"""Input types the request schemas share; each checks exactly what its OpenAPI schema says."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic_core import CoreSchema, core_schema

# A character that is not whitespace as str.strip sees it, spelled out because regex engines disagree
# about \s (ECMA and Rust leave out U+001C-U+001F, which Python strips): a string matching this is
# never empty once stripped, whichever engine checks the schema.
_WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = rf"[^{_WHITESPACE}]"
# The largest values PostgreSQL's integer and bigint hold: an id or number given past them is a 422.
MAX_INTEGER, MAX_BIGINT = 2**31 - 1, 2**63 - 1
# RFC 3339 date-time, which the schema's `format: date-time` means; pydantic alone would also read
# numbers as Unix times and accept a space for the T.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


@dataclass(frozen=True)
class NonBlank:
    """Annotated metadata, after any length limit (which then counts the characters sent): refuse blank
    strings, keep the rest without surrounding whitespace, and say so in the schema."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_stripped, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {**handler(schema), "pattern": NOT_BLANK}


def _stripped(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must contain something besides whitespace")
    return stripped


def _rfc3339(value: object) -> object:
    if (isinstance(value, str) and _RFC3339.fullmatch(value) is not None) or isinstance(value, datetime):
        return value
    raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2026-11-22T09:00:00Z")


def _in_utc(value: datetime) -> datetime:
    """Stored and compared in UTC; a time whose offset takes it past year 9999 or before year 1 has none."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within the years 1 to 9999 in UTC") from None


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]
