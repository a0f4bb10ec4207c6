"""Engine and session factory; the edge that opens a session owns its transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from escalq.config import get_settings


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine; every connection speaks UTC."""
    return create_engine(
        get_settings().database_url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"options": "-c timezone=UTC"},
    )


def new_session() -> Session:
    """A session whose objects stay readable after commit (responses are built after it)."""
    return Session(get_engine(), expire_on_commit=False)


@contextmanager
def job_session() -> Iterator[Session]:
    """A session on one connection in autocommit, for a background job: each statement commits alone, with
    no BEGIN or COMMIT round trip (a worker's claim and a webhook's finish are one statement each). Work of
    several statements that must commit together calls `one_transaction` first."""
    with get_engine().connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        with Session(bind=connection, expire_on_commit=False) as session:
            yield session


def one_transaction(session: Session) -> None:
    """From here until it commits or rolls back, the session's statements are one transaction (a
    `job_session`'s too; a session between transactions only)."""
    session.connection(execution_options={"isolation_level": get_engine().dialect.default_isolation_level})


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    with new_session() as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
