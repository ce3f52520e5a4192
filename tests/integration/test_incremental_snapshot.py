"""The snapshot after a change reads again only what the change can have altered: it must equal a full
read, whatever the change did to the objects around the ones it names (renames print in views, foreign
keys, defaults, triggers and index expressions of other tables)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from migration_reviewer.replay.providers.embedded import EmbeddedProvider
from migration_reviewer.replay.providers.embedded_server import EmbeddedServer
from migration_reviewer.schema.introspectors.postgres import POSITION, introspect, introspect_since
from migration_reviewer.schema.model import SchemaSnapshot

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%');
CREATE COLLATION exact FROM "C";
CREATE SCHEMA billing;
CREATE FUNCTION normalised(value text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT lower(value)';
CREATE FUNCTION positive(value numeric) RETURNS boolean IMMUTABLE LANGUAGE sql AS 'SELECT value > 0';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email email_address NOT NULL UNIQUE,
    name text COLLATE exact,
    mood mood DEFAULT 'happy',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_normalised_email ON users (normalised(email));
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE SEQUENCE billing.invoice_numbers;
CREATE TABLE billing.invoices (
    id serial PRIMARY KEY,
    number bigint DEFAULT nextval('billing.invoice_numbers'),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount numeric(10, 2) CHECK (positive(amount)),
    deleted_at timestamptz
);
CREATE INDEX invoices_open ON billing.invoices (user_id) WHERE deleted_at IS NULL;
CREATE TABLE audit (id bigint, at timestamptz);
CREATE TABLE audit_archive () INHERITS (audit);
CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE VIEW happy_users AS SELECT id, email FROM users WHERE mood = 'happy';
CREATE MATERIALIZED VIEW invoice_totals AS
    SELECT user_id, sum(amount) AS total FROM billing.invoices GROUP BY 1;
CREATE TABLE documents (id int PRIMARY KEY, owner bigint);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_documents ON documents USING (owner IN (SELECT id FROM users));
CREATE TABLE untouched_a (id int PRIMARY KEY, note text DEFAULT 'x');
CREATE TABLE untouched_b (id int REFERENCES untouched_a, at date);
INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com');
INSERT INTO billing.invoices (user_id, amount) SELECT id, 10 FROM users;
ANALYZE;
"""

CHANGES = {
    "a column added": "ALTER TABLE users ADD COLUMN nickname text",
    "a column renamed under a view and a foreign key": "ALTER TABLE users RENAME COLUMN id TO user_id",
    "a table renamed": "ALTER TABLE users RENAME TO accounts",
    "a table moved to another schema": "ALTER TABLE users SET SCHEMA billing",
    "two tables swap names": "ALTER TABLE untouched_a RENAME TO swap; "
    "ALTER TABLE audit RENAME TO untouched_a; ALTER TABLE swap RENAME TO audit",
    "a schema renamed": "ALTER SCHEMA billing RENAME TO finance",
    "an index dropped": "DROP INDEX users_normalised_email",
    "an index dropped and made again": "DROP INDEX billing.invoices_open; "
    "CREATE INDEX invoices_open ON billing.invoices (amount)",
    "an index renamed": "ALTER INDEX users_normalised_email RENAME TO users_email_lower",
    "a primary key's index renamed": "ALTER INDEX users_pkey RENAME TO users_pk",
    "a trigger dropped": "DROP TRIGGER users_touch ON users",
    "a policy dropped": "DROP POLICY own_documents ON documents",
    "a foreign key dropped": "ALTER TABLE billing.invoices DROP CONSTRAINT invoices_user_id_fkey",
    "a check dropped": "ALTER TABLE billing.invoices DROP CONSTRAINT invoices_amount_check",
    "a constraint renamed": "ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_unique_email",
    "a sequence a default uses renamed": "ALTER SEQUENCE billing.invoice_numbers RENAME TO numbers",
    "a trigger's function renamed": "ALTER FUNCTION touch() RENAME TO touched",
    "a function of an index and a check renamed": "ALTER FUNCTION normalised(text) RENAME TO lowered; "
    "ALTER FUNCTION positive(numeric) RENAME TO above_zero",
    "a function moved to another schema": "ALTER FUNCTION positive(numeric) SET SCHEMA billing",
    "an enum renamed": "ALTER TYPE mood RENAME TO feeling",
    "an enum value added": "ALTER TYPE mood ADD VALUE 'meh'",
    "a domain renamed": "ALTER DOMAIN email_address RENAME TO email_text",
    "a collation renamed": "ALTER COLLATION exact RENAME TO bytewise",
    "a new table refers to an old one": "CREATE TABLE notes (id int, user_id bigint REFERENCES users (id))",
    "rows written": "INSERT INTO users (email) SELECT i || '@example.com' FROM generate_series(1, 500) i; "
    "DELETE FROM billing.invoices",
    "tables analysed": "INSERT INTO untouched_a SELECT generate_series(1, 100); ANALYZE untouched_a",
    "an index built": "CREATE INDEX ON billing.invoices (amount)",
    "a view replaced": "CREATE OR REPLACE VIEW happy_users AS "
    "SELECT id, email, name FROM users WHERE mood = 'happy'",
    "a view dropped": "DROP VIEW happy_users",
    "a materialized view refreshed": "REFRESH MATERIALIZED VIEW invoice_totals",
    "a partition detached": "ALTER TABLE events DETACH PARTITION events_2024",
    "a partitioned table renamed": "ALTER TABLE events RENAME TO happenings",
    "a parent table gains a column": "ALTER TABLE audit ADD COLUMN actor text",
    "a table truncated": "TRUNCATE untouched_b",
    "a referenced column's type changed": "ALTER TABLE untouched_a ALTER COLUMN id TYPE bigint",
    "a column dropped with its index": "ALTER TABLE billing.invoices DROP COLUMN deleted_at",
    "defaults set and dropped": "ALTER TABLE untouched_a ALTER COLUMN note DROP DEFAULT; "
    "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'anon'",
    "a grant": "GRANT SELECT ON untouched_b TO PUBLIC",
    "row level security switched on": "ALTER TABLE untouched_a ENABLE ROW LEVEL SECURITY",
    "a table dropped with what depends on it": "DROP TABLE users CASCADE",
    "several statements in a transaction of their own": "BEGIN; ALTER TABLE untouched_b ADD COLUMN x int; "
    "ALTER TABLE untouched_b RENAME COLUMN at TO on_date; COMMIT",
    "nothing": "SELECT 1",
}


@pytest.fixture(scope="module")
def embedded_server() -> Iterator[EmbeddedServer]:
    with EmbeddedProvider().run() as server:
        yield server


@pytest.fixture(params=["machine", "embedded"])
def db(request: pytest.FixtureRequest) -> Iterator[psycopg.Connection[Any]]:
    """A database holding SCHEMA: on the machine's PostgreSQL, and on the embedded one (another major
    version, which records NOT NULL as constraints from 18 on)."""
    if request.param == "machine":
        conninfo = request.getfixturevalue("scratch_pg")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(SCHEMA)
            yield conn
        return
    server = request.getfixturevalue("embedded_server")
    database = server.create_database()
    try:
        with psycopg.connect(database.conninfo, autocommit=True) as conn:
            conn.execute(SCHEMA)
            yield conn
    finally:
        server.drop_database(database)


def snapshot_and_position(db: psycopg.Connection[Any]) -> tuple[SchemaSnapshot, int]:
    """What the replay holds before a change: the schema, and where the history stands."""
    return introspect(db), db.execute(POSITION).fetchone()[0]  # type: ignore[index]


def without_sizes(snapshot: SchemaSnapshot) -> SchemaSnapshot:
    # Sizes of relations the change did not alter are taken from before: rows written are no schema change.
    tables = tuple(dataclasses.replace(t, size_bytes=None) for t in snapshot.tables)
    return dataclasses.replace(snapshot, tables=tables)


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_snapshot_after_a_change_equals_a_full_read(db: psycopg.Connection[Any], change: str) -> None:
    before, position = snapshot_and_position(db)
    db.execute(change)

    assert without_sizes(introspect_since(db, before, position)) == without_sizes(introspect(db))


def test_relations_the_change_cannot_have_altered_are_not_read_again(db: psycopg.Connection[Any]) -> None:
    before, position = snapshot_and_position(db)
    db.execute("ALTER TABLE untouched_b ADD COLUMN x int")

    after = introspect_since(db, before, position)

    reused = {t.name for t in after.tables if any(t is old for old in before.tables)}
    # documents has a policy (the roles it names live outside the database): read again each time
    assert reused == {t.name for t in before.tables} - {"untouched_b", "documents"}
    assert [c.name for c in after.table("public", "untouched_b").columns] == ["id", "at", "x"]  # type: ignore[union-attr]


def test_a_change_inside_the_callers_transaction(db: psycopg.Connection[Any]) -> None:
    before, position = snapshot_and_position(db)
    with db.transaction(force_rollback=True):
        db.execute("ALTER TABLE users RENAME COLUMN email TO address; DROP TRIGGER users_touch ON users")
        assert without_sizes(introspect_since(db, before, position)) == without_sizes(introspect(db))
