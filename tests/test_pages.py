"""Every page evaluates: event handler signatures, Vars and components are checked without a browser."""

import pytest

from escalq.escalq import app


@pytest.mark.parametrize("route", sorted(app._unevaluated_pages))
def test_page_compiles(route):
    app._compile_page(route)
    assert app._pages[route] is not None
