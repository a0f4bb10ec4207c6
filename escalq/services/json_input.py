"""What request input may hold, checked without recursion before any parser or validator sees it.

PostgreSQL text and jsonb cannot store NUL characters; UTF-8 cannot encode a lone surrogate; JSON has
no NaN or Infinity (Python's json module reads them anyway, and 1e999 as infinity). Nesting is bounded
so the recursive code behind the API (json, pydantic, psycopg) stays far from its limits.
"""

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import Any

Loc = tuple[str | int, ...]
MAX_ERRORS = 20  # enough to fix a request, short enough to read
# On the UTF-8 bytes: no byte of a multi-byte character is a quote, a backslash or a bracket.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)
# A NUL or a surrogate can only come from an escape: raw ones are not valid JSON, or not UTF-8.
_NUL_OR_SURROGATE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


@dataclass(frozen=True)
class InputError:
    """One refused piece of input: where (keys and indexes under the caller's `loc`, e.g. `("body",
    "context_data", "a")`), what, and a short type."""

    loc: Loc
    message: str
    type: str


def text_errors(value: str, loc: Loc) -> list[InputError]:
    """A NUL character or a lone surrogate in a string (path, query parameter, JSON key or value)."""
    if "\x00" in value:
        return [InputError(loc, "must not contain NUL (\\u0000) characters", "string_nul")]
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            message = "must not contain a lone surrogate (\\ud800-\\udfff outside a pair)"
            return [InputError(loc, message, "string_surrogate")]
    return []


def body_errors(body: bytes, *, max_depth: int, loc: Loc = ()) -> list[InputError]:
    """Why a JSON document (a request body, at `loc`) is refused, or nothing: not UTF-8 JSON, too deep, or
    values PostgreSQL or JSON cannot hold. The depth is measured before parsing, so no parser recurses
    past `max_depth`."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [InputError(loc, f"is not UTF-8 (byte {error.start})", "json_invalid")]
    if _depth(body) > max_depth:
        message = f"nests objects and arrays deeper than {max_depth} levels (the body is level 1)"
        return [InputError((*loc, *_too_deep_at(text, max_depth)), message, "json_too_deep")]
    numbers = _Numbers()
    try:
        document = json.loads(text, parse_constant=numbers.constant, parse_float=numbers.decimal)
    except json.JSONDecodeError as error:
        return [InputError((*loc, error.pos), f"JSON decode error: {error.msg}", "json_invalid")]
    except ValueError as error:  # an integer longer than Python reads (4300 digits)
        return [InputError(loc, f"JSON decode error: {error}", "json_invalid")]
    if not numbers.infinite and _NUL_OR_SURROGATE_ESCAPE.search(text) is None:
        return []  # nothing to find: skip the walk, which is the slow part for big bodies
    return value_errors(document, loc)


class _Numbers:
    """json.loads hooks noticing NaN, Infinity and numbers too big for a float (1e999 reads as inf)."""

    infinite = False

    def constant(self, name: str) -> float:
        self.infinite = True
        return float(name)

    def decimal(self, text: str) -> float:
        value = float(text)
        self.infinite = self.infinite or math.isinf(value)
        return value


def _depth(body: bytes) -> int:
    """How deep the objects and arrays nest, counting brackets outside strings (C-speed, no parsing)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _too_deep_at(text: str, max_depth: int) -> Loc:
    """Where the first object or array beyond `max_depth` starts, as keys and indexes from the top."""
    path: list[str | int] = []  # per open container: the key or index of the current member
    containers: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            if len(containers) == max_depth:
                return tuple(path)
            containers.append(token)
            path.append(0 if token == "[" else "")
        elif token in "]}" and containers:
            containers.pop()
            path.pop()
        elif token == "," and containers and containers[-1] == "[":
            path[-1] = int(path[-1]) + 1
        elif token.startswith('"') and containers and containers[-1] == "{":
            path[-1] = _key(token)
    return ()


def _key(token: str) -> str:
    try:
        return str(json.loads(token))
    except ValueError:
        return token[1:-1]


def value_errors(document: Any, loc: Loc = ()) -> list[InputError]:
    """The first NULs, lone surrogates and non-finite numbers in parsed input (a body, a web-app event)."""
    return list(islice(_value_errors(document, loc), MAX_ERRORS))


def _value_errors(document: Any, root: Loc) -> Iterator[InputError]:
    """Every NUL, lone surrogate and non-finite number in `document`, in document order (no recursion)."""
    stack: list[tuple[Any, Loc]] = [(document, root)]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str):
            yield from text_errors(value, loc)
        elif isinstance(value, float) and not math.isfinite(value):
            yield InputError(loc, "must be a finite number (JSON has no NaN or Infinity)", "finite_number")
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack += [(item, (*loc, key)), (key, (*loc, key))]  # a key is checked as a string, first
        elif isinstance(value, list):
            stack.extend((item, (*loc, index)) for index, item in reversed(list(enumerate(value))))
