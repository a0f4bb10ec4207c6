"""The login page's `next` sends people only to paths on this site."""

import pytest

from escalq.state.base import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/%09/evil.example",
        "/\t/evil.example",
        "//evil.example",
        "///evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "evil.example",
        "\\\\evil.example",
        "/\n/evil.example",
        "/escalations/\x00",
        "/queue\x7f",
        "",
        None,
        ["/"],
    ],
)
def test_anything_that_could_leave_the_site_falls_back_to_the_queue(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize(
    "target", ["/", "/escalations/3f1c9a70-5d43-4a3e-9d6f-6a1c0b1e2f3a", "/metrics?preset=30d", "/a%20b"]
)
def test_a_path_on_this_site_is_kept(target):
    assert safe_next(target) == target
