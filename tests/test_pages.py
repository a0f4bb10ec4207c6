"""Every page evaluates: event handler signatures, Vars and components are checked without a browser."""

import pytest

from escalq import sitemap
from escalq.escalq import app
from escalq.pages.registry import page
from escalq.state.queue import QueueState


@pytest.mark.parametrize("route", sorted(app._unevaluated_pages))
def test_page_compiles(route):
    app._compile_page(route)
    assert app._pages[route] is not None


def test_a_page_loads_only_through_states_that_enforce_its_guard():
    with pytest.raises(ValueError, match="guarded for manager"):
        page(sitemap.METRICS, QueueState.load)
    with pytest.raises(ValueError, match="needs an on_load"):
        page(sitemap.QUEUE)
    with pytest.raises(ValueError, match="public page"):
        page(sitemap.LOGIN, QueueState.load)
