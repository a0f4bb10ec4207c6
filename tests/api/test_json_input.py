"""The request body rules, without a server: depth is measured without parsing, values are all found."""

import json

import pytest

from escalq.services.json_input import body_errors


def errors(document: str, max_depth: int = 4) -> list[tuple[tuple, str]]:
    return [
        (error.loc, error.type)
        for error in body_errors(document.encode(), max_depth=max_depth, loc=("body",))
    ]


@pytest.mark.parametrize(
    "document",
    [
        '{"a": "[[[[[[[[[[[[["}',
        '{"a": "\\"[[[[[[[[[[[[[", "b": "\\\\"}',
        '{"[[[[[[[[[": {"{{{{{{{{{": []}}',
        "[[[[]]]]",
    ],
)
def test_brackets_in_strings_do_not_count(document):
    assert errors(document) == []
    assert json.loads(document) is not None


@pytest.mark.parametrize(
    ("document", "loc"),
    [
        ("[[[[[]]]]]", ("body", 0, 0, 0, 0)),
        ('{"a": [1, 2, {"b": [[{"c": 1}]]}]}', ("body", "a", 2, "b", 0)),
        ('{"a\\"[": {"b": {"c": {"d": {}}}}}', ("body", 'a"[', "b", "c", "d")),
    ],
)
def test_too_deep_names_where_the_limit_is_crossed(document, loc):
    assert errors(document) == [(loc, "json_too_deep")]


def test_a_million_levels_are_refused_without_recursion():
    # json.loads gives up at about 1,000 levels (RecursionError) and pydantic serializes at most 255:
    # any of them recursing here would raise instead of returning the 422 reason.
    document = "[" * 1_000_000 + "]" * 1_000_000

    assert errors(document, max_depth=32) == [(("body",) + (0,) * 32, "json_too_deep")]


def test_every_bad_value_is_found_in_order():
    document = '{"a": [NaN, "ok", "\\u0000"], "b\\ud800": 1, "c": {"d": -Infinity, "e": 1e400}}'

    assert errors(document) == [
        (("body", "a", 0), "finite_number"),
        (("body", "a", 2), "string_nul"),
        (("body", "b\ud800"), "string_surrogate"),
        (("body", "c", "d"), "finite_number"),
        (("body", "c", "e"), "finite_number"),
    ]


def test_surrogate_pairs_and_other_unicode_are_fine():
    assert errors('{"emoji": "\\ud83d\\ude00", "text": "Grüße, 你好"}') == []
