"""The migrations build exactly the schema the models describe, on a brand-new database."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel

from escalq.cli.database import alembic_config, upgrade
from escalq.services import trail, vault
from escalq.services.errors import Misconfigured

ESCALATION_COLUMNS = {
    "id": "uuid",
    "source_agent": "text",
    "issue_description": "text",
    "priority": "text",
    "context_data": "jsonb",
    "status": "text",
    "assigned_to": "uuid",
    "created_at": "timestamptz",
    "assigned_at": "timestamptz",
    "resolved_at": "timestamptz",
    "resolution_notes": "text",
    "webhook_url": "text",
}


@contextmanager
def brand_new_database(server_url: str) -> Iterator[str]:
    """An empty database with a unique name on the test server, dropped afterwards."""
    name = f"escalq_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def migrated(database_url: str) -> Iterator[Engine]:
    """A brand-new database brought to head by the migrations alone."""
    with brand_new_database(database_url) as url, engine_for(url) as engine:
        assert inspect(engine).get_table_names() == []
        assert upgrade(url) == ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        yield engine


def test_autogenerate_finds_no_difference_from_the_models(migrated):
    with migrated.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "target_metadata": SQLModel.metadata}
        )
        diff = compare_metadata(context, SQLModel.metadata)

    assert diff == []


def test_escalation_column_types(migrated):
    with migrated.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT column_name, udt_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = 'escalations'"
            )
        ).all()

    types = dict(rows)
    assert {name: types.get(name) for name in ESCALATION_COLUMNS} == ESCALATION_COLUMNS


def test_escalation_indexes(migrated):
    indexes = inspect(migrated).get_indexes("escalations")

    indexed = {tuple(index["column_names"]) for index in indexes}
    assert {("status",), ("priority",), ("created_at",)} <= indexed


def insert_escalation(connection, *, priority: str = "high", status: str = "pending") -> uuid.UUID:
    escalation_id = uuid.uuid4()
    connection.execute(
        text(
            "INSERT INTO escalations (id, source_agent, issue_description, priority, status, created_at) "
            "VALUES (:id, 'bot', 'help', :priority, :status, now())"
        ),
        {"id": escalation_id, "priority": priority, "status": status},
    )
    return escalation_id


@contextmanager
def rolled_back(engine: Engine):
    """A connection with an agent named 'bot'; nothing it does is kept."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(
                text(
                    "INSERT INTO agents (id, name, webhook_secret_encrypted, disabled, created_at) "
                    "VALUES (gen_random_uuid(), 'bot', :secret, false, now())"
                ),
                {"secret": vault.encrypt("whsec_x")},
            )
            yield connection
        finally:
            transaction.rollback()


def test_valid_priority_and_status_are_accepted(migrated):
    with rolled_back(migrated) as connection:
        for priority in ("low", "medium", "high", "urgent"):
            for status in ("pending", "assigned", "claimed", "resolved"):
                insert_escalation(connection, priority=priority, status=status)


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"priority": "critical"}, "ck_escalations_priority"),
        ({"priority": "HIGH"}, "ck_escalations_priority"),
        ({"status": "open"}, "ck_escalations_status"),
        ({"status": "Resolved"}, "ck_escalations_status"),
    ],
)
def test_check_constraints_reject_bad_values(migrated, values, constraint):
    with rolled_back(migrated) as connection, pytest.raises(IntegrityError) as refused:
        insert_escalation(connection, **values)

    assert refused.value.orig.diag.constraint_name == constraint


def test_audit_log_refuses_update_and_delete(migrated):
    statements = [
        "UPDATE escalation_events SET action = 'tampered' WHERE escalation_id = :id",
        "DELETE FROM escalation_events WHERE escalation_id = :id",
    ]
    for statement in statements:
        with rolled_back(migrated) as connection:
            escalation_id = insert_escalation(connection)
            connection.execute(
                text(
                    "INSERT INTO escalation_events "
                    "(escalation_id, at, actor_kind, actor_name, action, to_status) "
                    "VALUES (:id, now(), 'system', 'escalq', 'created', 'pending')"
                ),
                {"id": escalation_id},
            )
            with pytest.raises(DBAPIError, match="append-only"):
                connection.execute(text(statement), {"id": escalation_id})


def test_downgrade_to_base_and_back(database_url):
    with brand_new_database(database_url) as url, engine_for(url) as engine:
        upgrade(url)
        assert "escalations" in inspect(engine).get_table_names()

        command.downgrade(alembic_config(url), "base")

        assert inspect(engine).get_table_names() == ["alembic_version"]
        with engine.connect() as connection:
            functions = connection.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname = 'escalation_events_append_only'")
            ).scalar_one()
        assert functions == 0
        # And the schema can be built again from there.
        upgrade(url)
        assert "escalation_events" in inspect(engine).get_table_names()


def test_0006_encrypts_the_stored_webhook_secrets_and_downgrade_decrypts_them(database_url):
    with brand_new_database(database_url) as url, engine_for(url) as engine:
        config = alembic_config(url)
        command.upgrade(config, "0004")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agents (id, name, webhook_secret, disabled, created_at) "
                    "VALUES (gen_random_uuid(), 'bot', 'whsec_c2VjcmV0LXNlY3JldA==', false, now())"
                )
            )

        command.upgrade(config, "0006")

        with engine.connect() as connection:
            stored = connection.execute(text("SELECT webhook_secret_encrypted FROM agents")).scalar_one()
            dump = connection.execute(text("SELECT a::text FROM agents a")).scalar_one()
        assert "c2VjcmV0LXNlY3JldA" not in dump
        assert vault.decrypt(stored, what="it") == "whsec_c2VjcmV0LXNlY3JldA=="

        command.downgrade(config, "0006-1")

        with engine.connect() as connection:
            plain = connection.execute(text("SELECT webhook_secret FROM agents")).scalar_one()
        assert plain == "whsec_c2VjcmV0LXNlY3JldA=="


def test_0006_without_a_key_stops_with_the_setting_named_and_changes_nothing(database_url, use_secret_key):
    with brand_new_database(database_url) as url, engine_for(url) as engine:
        config = alembic_config(url)
        command.upgrade(config, "0004")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agents (id, name, webhook_secret, disabled, created_at) "
                    "VALUES (gen_random_uuid(), 'bot', 'whsec_x', false, now())"
                )
            )
        use_secret_key(None)

        with pytest.raises(Misconfigured, match="ESCALQ_SECRET_KEY is not set"):
            command.upgrade(config, "0006")

        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"
            assert connection.execute(text("SELECT webhook_secret FROM agents")).scalar_one() == "whsec_x"


def test_0010_chains_the_events_written_before_it_and_downgrade_drops_the_chain(database_url):
    with brand_new_database(database_url) as url, engine_for(url) as engine:
        config = alembic_config(url)
        command.upgrade(config, "0008")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agents (id, name, webhook_secret_encrypted, disabled, created_at) "
                    "VALUES (gen_random_uuid(), 'bot', :secret, false, now())"
                ),
                {"secret": vault.encrypt("whsec_x")},
            )
            for _ in range(2):
                escalation_id = insert_escalation(connection)
                for action in ("created", "assigned", "claimed"):
                    connection.execute(
                        text(
                            "INSERT INTO escalation_events "
                            "(escalation_id, at, actor_kind, actor_name, action, to_status) "
                            "VALUES (:id, now(), 'system', 'escalq', :action, 'pending')"
                        ),
                        {"id": escalation_id, "action": action},
                    )

        command.upgrade(config, "0010")

        with Session(engine) as session:
            verdict = trail.verify(session=session)
            chains = session.execute(
                text("SELECT array_agg(seq ORDER BY id) FROM escalation_events GROUP BY escalation_id")
            ).scalars()
            assert sorted(chains) == [[1, 2, 3], [1, 2, 3]]
        assert verdict.intact and verdict.events == 6

        command.downgrade(config, "0008")

        columns = {column["name"] for column in inspect(engine).get_columns("escalation_events")}
        assert not columns & {"seq", "prev_hash", "hash", "global_seq", "global_prev_hash", "global_hash"}
