"""The production frontend of `escalq run`: built once, and again only when what goes into it changed.

`reflex run --env prod` deletes and rebuilds the bundle on every start, so `escalq run` builds with
`reflex export` only when the hash of the frontend's sources differs from the one stamped next to the last
build, then serves that build from the production backend (`python -m escalq.cli.serve`).
"""

import hashlib
import importlib.metadata
from collections.abc import Iterator, Mapping
from pathlib import Path

# What the bundle is made from: the app's Python (pages are compiled from it), Reflex's configuration,
# static assets and the pinned frontend packages.
SOURCES = ("escalq", "rxconfig.py", "assets", "reflex.lock")
# Settings read at build time and baked into the bundle (where the socket and API are).
BUILD_SETTINGS = (
    "REFLEX_API_URL",
    "REFLEX_DEPLOY_URL",
    "REFLEX_FRONTEND_PATH",
    "REFLEX_SHOW_BUILT_WITH_REFLEX",
)
STAMP = "escalq-build.sha256"
BUILT_PAGE = Path("build") / "client" / "index.html"


def web_dir(root: Path, env: Mapping[str, str]) -> Path:
    """Where Reflex keeps the compiled app and its build: REFLEX_WEB_WORKDIR, else .web."""
    return Path(env.get("REFLEX_WEB_WORKDIR") or root / ".web")


def _files(root: Path) -> Iterator[Path]:
    for name in SOURCES:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def sources_hash(root: Path, env: Mapping[str, str]) -> str:
    """SHA-256 over the sources' paths and contents, the build settings and the Reflex version."""
    digest = hashlib.sha256(importlib.metadata.version("reflex").encode())
    for path in _files(root):
        digest.update(b"\0" + str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for name in BUILD_SETTINGS:
        digest.update(f"\0{name}={env.get(name, '')}".encode())
    return digest.hexdigest()


def build_is_current(*, web: Path, digest: str) -> bool:
    """True when the last build is there and was made from sources with this hash."""
    stamp = web / STAMP
    return (web / BUILT_PAGE).is_file() and stamp.is_file() and stamp.read_text().strip() == digest


def mark_built(*, web: Path, digest: str) -> None:
    """Remember which sources the build in `web` was made from; written only after a build succeeded."""
    (web / STAMP).write_text(digest + "\n")
