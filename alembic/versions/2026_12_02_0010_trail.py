"""Trail: the audit log as two hash chains, and a context contract per agent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Every escalation event gets its place in its escalation's chain (`seq`), the hash of the event before
(`prev_hash`) and its own (`hash`: SHA-256 of the row as JSON, nulls left out), all set by a trigger in
the insert itself; the sealer (escalq.services.trail) later links committed events into one global chain
(`global_seq`, `global_prev_hash`, `global_hash`), the only write the append-only rule lets through.
Existing events are chained here, in id order per escalation; the sealer seals them on its first run.
Agents get an optional JSON Schema for their escalations' `context_data`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEAL_COLUMNS = "ARRAY['global_seq', 'global_prev_hash', 'global_hash']"

# The row as JSON (jsonb: keys sorted, one spelling), without its own hash and seal, nulls left out so a
# column added later, null in the rows before it, leaves their hashes as they were. UTC: to_jsonb writes
# times in the session's time zone.
HASH_FUNCTION = f"""
CREATE FUNCTION escalation_event_hash(e escalation_events) RETURNS text
LANGUAGE sql STABLE SET "TimeZone" = 'UTC' AS $$
    SELECT encode(sha256(convert_to(jsonb_object_agg(field.key, field.value)::text, 'UTF8')), 'hex')
    FROM jsonb_each(to_jsonb(e) - 'hash' - {SEAL_COLUMNS}) AS field
    WHERE field.value <> 'null'::jsonb
$$
"""

# In the insert, whatever it says: the escalation's transactions take turns (a lock on the escalation's
# id, released at commit), so each event follows the one committed or written before it.
CHAIN_FUNCTION = """
CREATE FUNCTION escalation_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq integer;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(1363, hashtext(NEW.escalation_id::text));
    SELECT seq, hash INTO last_seq, last_hash FROM escalation_events
        WHERE escalation_id = NEW.escalation_id ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.global_seq := NULL;
    NEW.global_prev_hash := NULL;
    NEW.global_hash := NULL;
    NEW.hash := escalation_event_hash(NEW);
    RETURN NEW;
END;
$$
"""

# The one update allowed: the sealer setting an unsealed event's seal, nothing else.
APPEND_ONLY_SEALABLE = f"""
CREATE OR REPLACE FUNCTION escalation_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.global_seq IS NULL AND NEW.global_seq IS NOT NULL
        AND NEW.global_hash IS NOT NULL
        AND to_jsonb(NEW) - {SEAL_COLUMNS} = to_jsonb(OLD) - {SEAL_COLUMNS} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'escalation_events is append-only (% refused)', TG_OP;
END;
$$
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION escalation_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'escalation_events is append-only (% refused)', TG_OP;
END;
$$
"""

# The events written before this revision, chained in id order per escalation.
BACKFILL = """
DO $$
DECLARE
    event escalation_events%ROWTYPE;
    current_escalation uuid;
    last_hash text;
    place integer;
BEGIN
    FOR event IN SELECT * FROM escalation_events ORDER BY escalation_id, id LOOP
        IF event.escalation_id IS DISTINCT FROM current_escalation THEN
            current_escalation := event.escalation_id;
            place := 0;
            last_hash := NULL;
        END IF;
        place := place + 1;
        event.seq := place;
        event.prev_hash := last_hash;
        last_hash := escalation_event_hash(event);
        UPDATE escalation_events SET seq = place, prev_hash = event.prev_hash, hash = last_hash
            WHERE id = event.id;
    END LOOP;
END;
$$
"""


def upgrade() -> None:
    op.add_column("agents", sa.Column("context_schema", postgresql.JSONB(), nullable=True))
    op.add_column("escalation_events", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("escalation_events", sa.Column("prev_hash", sa.Text(), nullable=True))
    op.add_column("escalation_events", sa.Column("hash", sa.Text(), nullable=True))
    op.add_column("escalation_events", sa.Column("global_seq", sa.BigInteger(), nullable=True))
    op.add_column("escalation_events", sa.Column("global_prev_hash", sa.Text(), nullable=True))
    op.add_column("escalation_events", sa.Column("global_hash", sa.Text(), nullable=True))
    op.execute(HASH_FUNCTION)
    op.execute("ALTER TABLE escalation_events DISABLE TRIGGER escalation_events_append_only")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE escalation_events ENABLE TRIGGER escalation_events_append_only")
    op.alter_column("escalation_events", "seq", nullable=False)
    op.alter_column("escalation_events", "hash", nullable=False)
    op.create_index("uq_escalation_events_chain", "escalation_events", ["escalation_id", "seq"], unique=True)
    op.create_index("uq_escalation_events_global_seq", "escalation_events", ["global_seq"], unique=True)
    op.create_index(
        "ix_escalation_events_unsealed", "escalation_events", ["id"],
        postgresql_where=sa.text("global_seq IS NULL"),
    )  # fmt: skip
    op.create_index("ix_escalation_events_at", "escalation_events", ["at"])
    op.execute(APPEND_ONLY_SEALABLE)
    op.execute(CHAIN_FUNCTION)
    op.execute(
        "CREATE TRIGGER escalation_events_chain BEFORE INSERT ON escalation_events "
        "FOR EACH ROW EXECUTE FUNCTION escalation_events_chain()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER escalation_events_chain ON escalation_events")
    op.execute("DROP FUNCTION escalation_events_chain()")
    op.execute(APPEND_ONLY)
    op.execute("DROP FUNCTION escalation_event_hash(escalation_events)")
    op.drop_index("ix_escalation_events_at", table_name="escalation_events")
    op.drop_index("ix_escalation_events_unsealed", table_name="escalation_events")
    op.drop_index("uq_escalation_events_global_seq", table_name="escalation_events")
    op.drop_index("uq_escalation_events_chain", table_name="escalation_events")
    for column in ("global_hash", "global_prev_hash", "global_seq", "hash", "prev_hash", "seq"):
        op.drop_column("escalation_events", column)
    op.drop_column("agents", "context_schema")
