"""Create the database when missing and bring it to the newest migration."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from escalq.config import get_settings

ROOT = Path(__file__).resolve().parents[2]


def ensure_database(url: str) -> bool:
    """CREATE DATABASE when it does not exist yet; True when it was created."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
            return exists is None
    finally:
        admin.dispose()


def alembic_config(url: str) -> Config:
    """Our alembic.ini, pointed at `url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str | None = None) -> str:
    """Apply every migration to `url` (default: the configured database); returns the head revision."""
    url = url or get_settings().database_url
    ensure_database(url)
    config = alembic_config(url)
    command.upgrade(config, "head")
    head = ScriptDirectory.from_config(config).get_current_head()
    return head or "base"
