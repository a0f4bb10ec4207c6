"""`escalq run` (production: a build reused until its sources change) and `escalq run --dev` (hot reload)."""

import sys
from pathlib import Path

import pytest

from escalq.cli import frontend
from escalq.cli.run import APP_URL, BIN, build_command, children, production_env
from escalq.config import get_settings


def test_production_serves_the_build_on_one_port_without_reload():
    app, worker, scheduler = children(dev=False)

    assert (app.name, app.argv) == ("app", [sys.executable, "-m", "escalq.cli.serve", "127.0.0.1", "3000"])
    assert worker.argv == [str(BIN / "escalq"), "worker"]
    assert scheduler.argv == [str(BIN / "escalq"), "scheduler"]
    assert build_command() == [str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"]
    env = production_env({"PATH": "/bin"})
    assert env["REFLEX_API_URL"] == APP_URL == "http://localhost:3000"
    assert (env["REFLEX_FRONTEND_PORT"], env["REFLEX_BACKEND_PORT"]) == ("3000", "3000")
    assert env["PATH"] == "/bin"
    # The dashboards' state in the app's Redis: Reflex then runs a backend process per core, not one.
    assert env["REFLEX_REDIS_URL"] == get_settings().redis_url
    assert production_env({"REFLEX_REDIS_URL": "redis://state:6379/3"})["REFLEX_REDIS_URL"] == (
        "redis://state:6379/3"
    )


def test_development_is_reflex_run_with_hot_reload():
    app, worker, scheduler = children(dev=True)

    assert (app.name, app.argv) == ("reflex", [str(BIN / "reflex"), "run"])
    assert "--env" not in app.argv
    assert [worker.argv[-1], scheduler.argv[-1]] == ["worker", "scheduler"]


@pytest.fixture
def project(tmp_path) -> Path:
    """A checkout's frontend sources, and a web directory with a finished build in it."""
    (tmp_path / "escalq" / "pages").mkdir(parents=True)
    (tmp_path / "escalq" / "pages" / "queue.py").write_text("ROUTE = '/'\n")
    (tmp_path / "rxconfig.py").write_text("config = None\n")
    (tmp_path / "reflex.lock").mkdir()
    (tmp_path / "reflex.lock" / "package.json").write_text('{"dependencies": {}}\n')
    built = tmp_path / ".web" / frontend.BUILT_PAGE
    built.parent.mkdir(parents=True)
    built.write_text("<html></html>")
    return tmp_path


def current(project: Path, env: dict[str, str] | None = None) -> bool:
    env = env or {}
    return frontend.build_is_current(
        web=frontend.web_dir(project, env), digest=frontend.sources_hash(project, env)
    )


def test_a_build_is_reused_until_a_source_changes(project):
    assert not current(project), "never stamped: build"
    frontend.mark_built(web=project / ".web", digest=frontend.sources_hash(project, {}))

    assert current(project)
    (project / "escalq" / "__pycache__").mkdir()
    (project / "escalq" / "__pycache__" / "queue.cpython-311.pyc").write_bytes(b"\x00")
    assert current(project), "bytecode is not a source"

    (project / "escalq" / "pages" / "queue.py").write_text("ROUTE = '/queue'\n")
    assert not current(project)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: (p / "rxconfig.py").write_text("config = 1\n"),
        lambda p: (p / "reflex.lock" / "bun.lock").write_text("{}"),
        lambda p: (p / "escalq" / "pages" / "queue.py").rename(p / "escalq" / "pages" / "home.py"),
        lambda p: (p / "assets").mkdir() or (p / "assets" / "logo.svg").write_text("<svg/>"),
        lambda p: (p / ".web" / frontend.BUILT_PAGE).unlink(),
    ],
    ids=["config", "lockfile", "renamed page", "asset", "build gone"],
)
def test_any_change_to_what_the_bundle_is_made_of_rebuilds(project, change):
    frontend.mark_built(web=project / ".web", digest=frontend.sources_hash(project, {}))

    change(project)

    assert not current(project)


def test_a_setting_baked_into_the_bundle_rebuilds_and_the_web_dir_can_move(project, tmp_path):
    frontend.mark_built(web=project / ".web", digest=frontend.sources_hash(project, {}))

    assert not current(project, {"REFLEX_API_URL": "http://localhost:3001"})
    assert frontend.web_dir(project, {"REFLEX_WEB_WORKDIR": str(tmp_path / "w")}) == tmp_path / "w"
    assert frontend.web_dir(project, {}) == project / ".web"
