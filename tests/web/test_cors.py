"""The API grants CORS, with credentials, only to the configured public origin(s)."""

import httpx
import pytest

from escalq.config import Settings, get_settings
from harness.net import serve_api

FOREIGN = "https://evil.example"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ESCALQ_PUBLIC_URL", "https://escalq.example.com/")
    monkeypatch.setenv("ESCALQ_CORS_ORIGINS", '["http://127.0.0.1:3000"]')
    get_settings.cache_clear()
    with serve_api() as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client
    monkeypatch.undo()
    get_settings.cache_clear()


def _preflight(api: httpx.Client, origin: str) -> httpx.Response:
    return api.options(
        "/api/escalations",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_a_foreign_origin_gets_no_grant(api):
    preflight = _preflight(api, FOREIGN)
    simple = api.get("/api/oncall", headers={"Origin": FOREIGN, "Cookie": "escalq_session=x"})

    assert preflight.status_code == 400  # Starlette: "Disallowed CORS origin"
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


@pytest.mark.parametrize("origin", ["https://escalq.example.com", "http://127.0.0.1:3000"])
def test_the_configured_origins_get_theirs(api, origin):
    preflight = _preflight(api, origin)
    simple = api.get("/api/oncall", headers={"Origin": origin})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert simple.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("value", ['["*"]', '["https://escalq.example.com/app"]', '["ftp://x.example"]'])
def test_a_wildcard_or_a_url_with_a_path_is_not_an_origin(value, monkeypatch):
    monkeypatch.setenv("ESCALQ_CORS_ORIGINS", value)
    with pytest.raises(ValueError, match="origin"):
        Settings()
