"""Schema snapshots and diffs against a real PostgreSQL: run DDL, introspect before and after, diff."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus

from migration_reviewer.schema.diff import diff
from migration_reviewer.schema.introspectors import get_introspector
from migration_reviewer.schema.introspectors.postgres import introspect
from migration_reviewer.schema.model import (
    ConstraintKind,
    Identity,
    ObjectName,
    RelationKind,
    SchemaChange,
    SchemaSnapshot,
    Table,
)
from migration_reviewer.schema.renames import rename_hints

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE SCHEMA billing;
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(200) NOT NULL UNIQUE,
    name text COLLATE "C",
    mood mood DEFAULT 'happy',
    created_at timestamptz NOT NULL DEFAULT now(),
    label text GENERATED ALWAYS AS (name || '!') STORED
);
CREATE TABLE billing.invoices (
    id serial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amount numeric(10, 2) CHECK (amount > 0),
    deleted_at timestamptz
);
CREATE INDEX invoices_open_idx ON billing.invoices (user_id) INCLUDE (amount) WHERE deleted_at IS NULL;
CREATE INDEX users_lower_email_idx ON users (lower(email));
CREATE TABLE bookings (during tstzrange, EXCLUDE USING gist (during WITH &&));
CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE VIEW happy_users AS SELECT id, email FROM users WHERE mood = 'happy';
CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE archive(days integer) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TRIGGER users_touch BEFORE UPDATE OF name ON users FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON users FOR SELECT TO PUBLIC USING (id = 1);
CREATE SEQUENCE ticket_numbers AS integer;
"""


@pytest.fixture
def db(scratch_pg: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(scratch_pg, autocommit=True) as conn:
        yield conn


def migrate(conn: psycopg.Connection[Any], sql: str) -> list[SchemaChange]:
    """What the review reports for `sql`: introspect, run it, introspect, diff with its rename hints."""
    before = introspect(conn)
    conn.execute(sql)
    return diff(before, introspect(conn), rename_hints(sql))


def transaction_status(conn: psycopg.Connection[Any]) -> TransactionStatus:
    return conn.info.transaction_status


def table(snapshot: SchemaSnapshot, name: str, schema: str = "public") -> Table:
    found = snapshot.table(schema, name)
    assert found is not None, f"{schema}.{name} is missing from the snapshot"
    return found


def test_the_snapshot_describes_tables_columns_and_their_constraints(db: psycopg.Connection[Any]) -> None:
    db.execute(SCHEMA)
    snapshot = introspect(db)

    assert snapshot.schemas == ("billing", "public")
    users = table(snapshot, "users")
    assert users.kind is RelationKind.TABLE
    columns = {c.name: c for c in users.columns}
    assert [c.name for c in users.columns] == ["id", "email", "name", "mood", "created_at", "label"]
    assert columns["id"].identity is Identity.ALWAYS and not columns["id"].nullable
    assert columns["email"].type == "character varying(200)"
    assert columns["name"].collation == "C"
    assert columns["mood"].type == "mood" and columns["mood"].default == "'happy'::mood"
    assert columns["created_at"].default == "now()"
    assert columns["label"].generated == "(name || '!'::text)" and columns["label"].default is None
    assert users.primary_key is not None and users.primary_key.columns == ("id",)
    assert (users.rls_enabled, users.rls_forced) == (True, True)
    (policy,) = users.policies
    assert (policy.name, policy.command, policy.roles, policy.using) == (
        "own_rows",
        "SELECT",
        ("public",),
        "(id = 1)",
    )
    (trigger,) = users.triggers
    assert (trigger.timing, trigger.events, trigger.columns, trigger.function) == (
        "BEFORE",
        ("UPDATE",),
        ("name",),
        "touch",
    )

    invoices = table(snapshot, "invoices", "billing")
    fk = next(c for c in invoices.constraints if c.kind is ConstraintKind.FOREIGN_KEY)
    assert fk.definition == "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"
    assert (fk.columns, fk.references, fk.referenced_columns) == (
        ("user_id",),
        ObjectName("public", "users"),
        ("id",),
    )
    assert (fk.on_delete, fk.on_update, fk.validated) == ("CASCADE", "NO ACTION", True)
    check = next(c for c in invoices.constraints if c.kind is ConstraintKind.CHECK)
    assert check.definition == "CHECK ((amount > (0)::numeric))"
    pkey = next(i for i in invoices.indexes if i.primary)
    assert pkey.constraint == "invoices_pkey" and pkey.unique

    bookings = table(snapshot, "bookings")
    assert bookings.constraints[0].kind is ConstraintKind.EXCLUSION
    assert (
        bookings.indexes[0].method == "gist"
        and bookings.indexes[0].constraint == bookings.constraints[0].name
    )


def test_the_snapshot_describes_indexes_views_partitions_and_routines(db: psycopg.Connection[Any]) -> None:
    db.execute(SCHEMA)
    snapshot = introspect(db)

    partial = next(i for i in table(snapshot, "invoices", "billing").indexes if i.name == "invoices_open_idx")
    assert partial.columns == ("user_id",)
    assert partial.include == ("amount",)
    assert partial.predicate == "(deleted_at IS NULL)"
    assert partial.definition == (
        "CREATE INDEX invoices_open_idx ON billing.invoices USING btree (user_id) INCLUDE (amount)"
        " WHERE (deleted_at IS NULL)"
    )
    assert (partial.valid, partial.unique, partial.constraint) == (True, False, None)
    expression = next(i for i in table(snapshot, "users").indexes if i.name == "users_lower_email_idx")
    assert expression.columns == ("lower((email)::text)",)

    view = table(snapshot, "happy_users")
    assert view.kind is RelationKind.VIEW and view.definition is not None and "mood" in view.definition
    assert [c.name for c in view.columns] == ["id", "email"]
    assert table(snapshot, "user_count").kind is RelationKind.MATERIALIZED_VIEW

    parent, partition = table(snapshot, "events"), table(snapshot, "events_2024")
    assert (parent.kind, parent.partition_key) == (RelationKind.PARTITIONED_TABLE, "RANGE (at)")
    assert partition.partition_of == ObjectName("public", "events")
    assert partition.partition_bound == "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    assert all(c.inherited for c in partition.columns)

    functions = {f.name: f for f in snapshot.functions}
    assert set(functions) == {"touch", "archive"}
    touch = functions["touch"]
    assert (touch.result, touch.language, touch.security_definer, touch.config) == (
        "trigger",
        "plpgsql",
        True,
        ("search_path=public",),
    )
    assert (functions["archive"].kind, functions["archive"].arguments) == ("procedure", "IN days integer")

    assert [e.values for e in snapshot.enums] == [("happy", "sad")]
    sequences = {s.name: s for s in snapshot.sequences}
    assert set(sequences) == {"invoices_id_seq", "ticket_numbers"}  # the identity column's own is left out
    assert sequences["invoices_id_seq"].owned_by == ObjectName("billing", "invoices")
    assert sequences["ticket_numbers"].type == "integer"


def test_row_estimates_and_sizes(db: psycopg.Connection[Any]) -> None:
    db.execute(
        "CREATE TABLE t (id int, payload text);"
        "INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g"
    )
    assert table(introspect(db), "t").row_estimate is None  # never analysed
    db.execute("ANALYZE t")
    analysed = table(introspect(db), "t")
    assert analysed.row_estimate == 5000
    assert analysed.size_bytes is not None and analysed.size_bytes > 5000 * 200


def test_a_check_on_a_system_column(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TABLE t (a int CHECK (tableoid <> 0))")
    (check,) = table(introspect(db), "t").constraints
    assert check.columns == ("tableoid",)


def test_objects_of_extensions_are_left_out(db: psycopg.Connection[Any]) -> None:
    changes = migrate(db, "CREATE EXTENSION citext")
    assert [(c.kind, c.name) for c in changes] == [("extension_added", "citext")]
    assert introspect(db).functions == ()


def test_a_snapshot_survives_json(db: psycopg.Connection[Any]) -> None:
    db.execute(SCHEMA)
    snapshot = introspect(db)
    assert SchemaSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict()))) == snapshot


def test_nothing_changes_when_nothing_runs(db: psycopg.Connection[Any]) -> None:
    db.execute(SCHEMA)
    assert migrate(db, "SELECT 1") == []


def test_introspection_leaves_the_session_as_it_found_it(scratch_pg: str) -> None:
    with psycopg.connect(scratch_pg) as conn:  # not autocommit: psycopg opens transactions itself
        conn.execute("CREATE SCHEMA app; CREATE TABLE app.t (id int)")
        conn.commit()
        introspect(conn)
        assert transaction_status(conn) is TransactionStatus.IDLE  # no locks left held
        assert conn.execute("SHOW join_collapse_limit").fetchone() == ("8",)  # the default, as it was
        conn.commit()

        conn.execute("SET search_path = app")
        conn.execute("SET join_collapse_limit = 3")
        conn.execute("SET jit = on")
        conn.execute("INSERT INTO t VALUES (1)")
        snapshot = get_introspector("postgresql")(conn)
        assert transaction_status(conn) is TransactionStatus.INTRANS
        assert conn.execute("SHOW search_path").fetchone() == ("app",)
        assert conn.execute("SHOW join_collapse_limit").fetchone() == ("3",)
        assert conn.execute("SHOW from_collapse_limit").fetchone() == ("8",)
        assert conn.execute("SHOW jit").fetchone() == ("on",)  # off for the catalog queries only
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        assert table(snapshot, "t", "app").columns[0].type == "integer"


def test_a_new_table_lists_its_constraints_and_indexes_but_not_its_columns(
    db: psycopg.Connection[Any],
) -> None:
    changes = migrate(
        db,
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text);"
        "CREATE INDEX users_name_idx ON users (name) WHERE name IS NOT NULL",
    )
    assert changes == [
        SchemaChange("table_added", "users", None, "3 columns"),
        SchemaChange("constraint_added", "users", "users_email_key", "UNIQUE (email)"),
        SchemaChange("constraint_added", "users", "users_pkey", "PRIMARY KEY (id)"),
        SchemaChange("index_added", "users", "users_email_key", "UNIQUE btree (email)"),
        SchemaChange("index_added", "users", "users_name_idx", "btree (name) WHERE (name IS NOT NULL)"),
        SchemaChange("index_added", "users", "users_pkey", "UNIQUE btree (id)"),
    ]


def test_column_changes(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TABLE users (id int, email varchar(50) NOT NULL, created_at timestamptz, legacy int)")
    changes = migrate(
        db,
        "ALTER TABLE users ALTER COLUMN email TYPE text, ALTER COLUMN email DROP NOT NULL,"
        " ALTER COLUMN created_at SET DEFAULT now(), DROP COLUMN legacy,"
        " ADD COLUMN active boolean NOT NULL DEFAULT true",
    )
    assert changes == [
        SchemaChange("column_added", "users", "active", "boolean NOT NULL DEFAULT true"),
        SchemaChange("column_dropped", "users", "legacy", "integer"),
        SchemaChange("column_type_changed", "users", "email", "character varying(50) → text"),
        SchemaChange("column_nullability_changed", "users", "email", "NOT NULL → nullable"),
        SchemaChange("column_default_changed", "users", "created_at", "default now()"),
    ]


def test_a_not_valid_foreign_key_then_its_validation(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int)")
    added = migrate(
        db,
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk"
        " FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
    )
    assert added == [
        SchemaChange(
            "constraint_added",
            "orders",
            "orders_user_fk",
            "FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID",
        )
    ]
    (fk,) = table(introspect(db), "orders").constraints
    assert fk.validated is False

    assert migrate(db, "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk") == [
        SchemaChange(
            "constraint_validated", "orders", "orders_user_fk", "FOREIGN KEY (user_id) REFERENCES users(id)"
        )
    ]


def test_a_failed_concurrent_index_is_reported_invalid(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TABLE users (email text); INSERT INTO users VALUES ('a'), ('a')")
    before = introspect(db)
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)")
    assert diff(before, introspect(db)) == [
        SchemaChange("index_added", "users", "users_email_key", "UNIQUE btree (email) (INVALID)")
    ]


def test_an_enum_value_added(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
    assert migrate(db, "ALTER TYPE mood ADD VALUE 'ok' BEFORE 'sad'") == [
        SchemaChange("enum_value_added", None, "mood", "'ok' before 'sad'")
    ]
    assert [e.values for e in introspect(db).enums] == [("happy", "ok", "sad")]


def test_row_level_security_and_a_policy(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TABLE notes (owner name, body text)")
    changes = migrate(
        db,
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY own_notes ON notes FOR UPDATE TO PUBLIC"
        " USING (owner = current_user) WITH CHECK (true)",
    )
    assert changes == [
        SchemaChange("rls_enabled", "notes", None, "1 policy"),
        SchemaChange("policy_added", "notes", "own_notes", "FOR UPDATE TO public"),
    ]
    (policy,) = table(introspect(db), "notes").policies
    assert (policy.using, policy.with_check) == ("(owner = CURRENT_USER)", "true")


def test_a_hinted_column_rename_is_exactly_one_change(db: psycopg.Connection[Any]) -> None:
    """Everything that names the column prints differently afterwards; none of it is reported."""
    db.execute(
        "CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE,"
        " label text GENERATED ALWAYS AS (email || '!') STORED);"
        "CREATE INDEX users_email_lower ON users (lower(email)) WHERE email IS NOT NULL;"
        "CREATE TABLE orders (id int, email text REFERENCES users (email));"
        "CREATE VIEW emails AS SELECT email FROM users;"
        "ALTER TABLE users ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY by_email ON users USING (email = current_user)"
    )
    sql = "ALTER TABLE users RENAME COLUMN email TO mail"
    assert migrate(db, sql) == [SchemaChange("column_renamed", "users", "mail", "email → mail")]


def test_without_a_hint_a_renamed_column_is_dropped_and_added(db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE TABLE users (id int, email text)")
    before = introspect(db)
    db.execute("ALTER TABLE users RENAME COLUMN email TO mail")
    assert [(c.kind, c.name) for c in diff(before, introspect(db))] == [
        ("column_added", "mail"),
        ("column_dropped", "email"),
    ]


def test_a_hinted_table_rename_is_exactly_one_change(db: psycopg.Connection[Any]) -> None:
    db.execute(
        "CREATE TABLE users (id int PRIMARY KEY, email text);"
        "CREATE INDEX users_email_idx ON users (email);"
        "CREATE TABLE orders (user_id int REFERENCES users (id));"
        "CREATE VIEW user_emails AS SELECT email FROM users"
    )
    assert migrate(db, "ALTER TABLE users RENAME TO accounts") == [
        SchemaChange("table_renamed", "accounts", None, "users → accounts")
    ]


def test_a_replaced_view_and_a_replaced_function(db: psycopg.Connection[Any]) -> None:
    db.execute(
        "CREATE VIEW answer AS SELECT 41 AS n;"
        "CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 41'"
    )
    changes = migrate(
        db,
        "CREATE OR REPLACE VIEW answer AS SELECT 42 AS n;"
        "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql STABLE SECURITY DEFINER"
        " SET search_path = pg_catalog AS 'SELECT 42'",
    )
    assert changes == [
        SchemaChange(
            "function_changed",
            None,
            "answer()",
            "SECURITY DEFINER added, SET search_path=pg_catalog added, volatile → stable",
        ),
        SchemaChange("view_changed", "answer", None, "definition changed"),
    ]


def test_partitions_and_indexes_on_their_parent(db: psycopg.Connection[Any]) -> None:
    db.execute(
        "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);"
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
    )
    changes = migrate(
        db,
        "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
        "CREATE INDEX events_at_idx ON events (at);"
        "ALTER TABLE events ADD COLUMN kind text",
    )
    assert changes == [
        SchemaChange("column_added", "events", "kind", "text"),
        SchemaChange("index_added", "events", "events_at_idx", "btree (at)"),
        SchemaChange(
            "table_added",
            "events_2025",
            None,
            "partition of events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'), 3 columns",
        ),
    ]
    assert migrate(db, "ALTER TABLE events DETACH PARTITION events_2024") == [
        SchemaChange("partition_detached", "events_2024", None, "from events")
    ]
