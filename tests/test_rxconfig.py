"""Reflex reads the client address from X-Forwarded-For only behind the proxies escalq is told about."""

import importlib

import rxconfig
from escalq.config import get_settings


def test_trusted_proxy_hops_come_from_escalq_settings_and_default_to_none(monkeypatch):
    assert rxconfig.config.trusted_proxy_hops == 0
    monkeypatch.setenv("ESCALQ_TRUSTED_PROXY_HOPS", "2")
    get_settings.cache_clear()
    try:
        assert importlib.reload(rxconfig).config.trusted_proxy_hops == 2
    finally:
        monkeypatch.delenv("ESCALQ_TRUSTED_PROXY_HOPS")
        get_settings.cache_clear()
        importlib.reload(rxconfig)
