"""Alembic environment: our own engine settings, our SQLModel metadata."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import escalq.models  # noqa: F401  (registers every table on the metadata)
from escalq.config import get_settings
from escalq.models.columns import EnumText

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name)

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Enum columns are plain text in the database (their CHECK constraints hold the values)."""
    if type_ == "type" and isinstance(obj, EnumText):
        return "sa.Text()"
    return False


def database_url() -> str:
    """An explicit `sqlalchemy.url` (tests, the CLI) wins over the settings."""
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, compare_type=True, render_item=render_item
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
