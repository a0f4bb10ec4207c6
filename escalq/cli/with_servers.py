"""`python -m escalq.cli.with_servers -- CMD`: run CMD on the servers `escalq run` would use (`make test`)."""

import os
from urllib.parse import parse_qsl, urlencode, urlsplit

import click

from escalq.cli.processes import exit_on_signals, run_foreground
from escalq.cli.run import open_servers

TEST_REDIS_DB = 15


def with_db(url: str, db: int) -> str:
    """The same Redis server, database number `db`."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(key, value) for key, value in parse_qsl(parts.query) if key != "db"]
        return f"unix://{parts.path}?{urlencode([*query, ('db', str(db))])}"
    return parts._replace(path=f"/{db}").geturl()


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def with_servers(command: tuple[str, ...]) -> None:
    """Run COMMAND with DATABASE_URL and REDIS_URL set to the servers found; exits with its exit code."""
    exit_on_signals()
    servers = open_servers()
    try:
        env = dict(os.environ, DATABASE_URL=servers.postgres.url, REDIS_URL=servers.redis.url)
        # tests/conftest.py flushes its own Redis database; keep it on the server just chosen.
        env.setdefault("ESCALQ_TEST_REDIS_URL", with_db(servers.redis.url, TEST_REDIS_DB))
        code = run_foreground(argv=command, env=env)
    finally:
        servers.stop()
    raise SystemExit(code)


if __name__ == "__main__":
    with_servers()
