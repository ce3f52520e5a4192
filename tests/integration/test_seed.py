"""Synthetic rows follow the base schema: types, NOT NULL, CHECK, unique keys and foreign keys."""

from __future__ import annotations

import psycopg

from migration_reviewer.replay.seed import PARENT_ROWS, seed
from migration_reviewer.schema.introspectors import get_introspector
from migration_reviewer.schema.model import ObjectName

SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE teams (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code varchar(8) UNIQUE NOT NULL);
CREATE TABLE users (
    id serial PRIMARY KEY,
    team_id bigint NOT NULL REFERENCES teams (id),
    email text NOT NULL,
    nickname text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
    mood mood NOT NULL,
    balance numeric(6,2) NOT NULL CHECK (balance >= 0),
    settings jsonb,
    born date,
    seen_at timestamptz,
    location point
);
CREATE UNIQUE INDEX users_lower_email ON users (lower(email));
CREATE TABLE unseedable (id int PRIMARY KEY, shape point NOT NULL);
"""


def test_rows_respect_the_schema_and_leave_duplicates_and_nulls_where_allowed(scratch_pg: str) -> None:
    with psycopg.connect(scratch_pg, autocommit=True) as conn:
        conn.execute(SCHEMA)
        snapshot = get_introspector("postgresql")(conn)
        result = seed(
            conn, snapshot, {ObjectName("public", "users"), ObjectName("public", "unseedable")}, 500
        )

        assert {t.table: t.rows for t in result.tables} == {"teams": min(500, PARENT_ROWS), "users": 500}
        assert "unseedable" in result.skipped and "shape" in result.skipped["unseedable"]
        count, teams, emails, null_nicknames, nicknames, statuses = conn.execute(
            "SELECT count(*), count(DISTINCT team_id), count(DISTINCT lower(email)),"
            " count(*) FILTER (WHERE nickname IS NULL), count(DISTINCT nickname), count(DISTINCT status)"
            " FROM users"
        ).fetchone()
        assert count == 500 and teams == 500 and emails == 500
        assert 0 < null_nicknames < 500  # nullable columns hold some NULLs
        assert nicknames < 500 - null_nicknames  # and repeat values on purpose
        assert statuses == 2  # the values follow the CHECK's IN list: both appear
        # the sequences moved past the seeded keys: the change's own inserts do not collide
        conn.execute("INSERT INTO teams (code) VALUES ('new')")
        conn.execute(
            "INSERT INTO users (team_id, email, mood, balance) VALUES (1, 'new@example.com', 'sad', 1)"
        )


def test_timestamps_spread_over_two_years_up_to_now_like_a_table_that_grew(scratch_pg: str) -> None:
    with psycopg.connect(scratch_pg, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL UNIQUE, day date NOT NULL)"
        )
        snapshot = get_introspector("postgresql")(conn)
        seed(conn, snapshot, {ObjectName("public", "events")}, 1000)
        distinct, newest, older_than_a_year, older_than_90_days, future, oldest_day = conn.execute(
            "SELECT count(DISTINCT at), max(at) > now() - interval '1 day',"
            " count(*) FILTER (WHERE at < now() - interval '365 days'),"
            " count(*) FILTER (WHERE at < now() - interval '90 days'),"
            " count(*) FILTER (WHERE at > now() OR day > current_date), min(day) = current_date - 999"
            " FROM events"
        ).fetchone()
        assert distinct == 1000 and newest and future == 0
        assert 480 <= older_than_a_year <= 520  # half of two years
        assert 860 <= older_than_90_days <= 890  # a 90-day retention DELETE finds most rows, not all
        assert oldest_day  # a day each, back from today


REAL_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA billing;
CREATE TYPE "FieldType" AS ENUM ('TEXT', 'NUMBER', 'DATE', 'SELECT');
CREATE TYPE billing.plan AS ENUM ('free', 'pro', 'team');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0 AND VALUE <= 50);
CREATE DOMAIN short_code AS text CHECK (char_length(VALUE) <= 3);
CREATE DOMAIN hex_colour AS text CHECK (VALUE ~ '^#[0-9a-f]{6}$');
CREATE TABLE "Workspace" (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, slug citext UNIQUE NOT NULL);
INSERT INTO "Workspace" (slug) VALUES ('first'), ('second');
CREATE TABLE "Field" (
    id uuid PRIMARY KEY,
    "workspaceId" int NOT NULL REFERENCES "Workspace" (id),
    "parentId" uuid REFERENCES "Field" (id),
    type "FieldType" NOT NULL,
    kinds "FieldType"[] NOT NULL,
    plan billing.plan NOT NULL,
    weight positive_int NOT NULL,
    code short_code NOT NULL,
    score int NOT NULL CHECK (score BETWEEN 10 AND 20),
    label varchar(40) NOT NULL CHECK (length(label) >= 5),
    settings jsonb NOT NULL,
    tags text[],
    doubled int GENERATED ALWAYS AS (weight * 2) STORED
);
CREATE TABLE "FieldOnWorkspace" (
    "fieldId" uuid NOT NULL REFERENCES "Field" (id),
    "workspaceId" int NOT NULL REFERENCES "Workspace" (id),
    PRIMARY KEY ("fieldId", "workspaceId") DEFERRABLE
);
CREATE TABLE theme (id bigint PRIMARY KEY, colour hex_colour NOT NULL);
"""


def test_real_schemas_are_seeded_and_what_cannot_be_is_named_with_why(scratch_pg: str) -> None:
    """Prisma-style quoted PascalCase enums, a schema's enum, domains with CHECKs, citext, arrays,
    identity and generated columns, a key made of two foreign keys, rows the base history inserted."""
    with psycopg.connect(scratch_pg, autocommit=True) as conn:
        conn.execute(REAL_SCHEMA)
        snapshot = get_introspector("postgresql")(conn)
        touched = {ObjectName("public", n) for n in ("FieldOnWorkspace", "theme")}
        result = seed(conn, snapshot, touched, 3000)

        seeded = {t.table: t.rows for t in result.tables}
        assert seeded == {"Workspace": 1000, "Field": 1000, "FieldOnWorkspace": 3000}
        assert set(result.skipped) == {"theme"}
        assert "hex_colour_check" in result.skipped["theme"] and "colour" in result.skipped["theme"]
        types, kinds, plans, weights, codes, scores, labels = conn.execute(
            "SELECT array_agg(DISTINCT type::text ORDER BY type::text), count(DISTINCT kinds),"
            " count(DISTINCT plan), max(weight), max(char_length(code)),"
            " min(score) >= 10 AND max(score) <= 20,"
            ' min(length(label)) FROM "Field"'
        ).fetchone()
        assert types == ["DATE", "NUMBER", "SELECT", "TEXT"]  # every label of the enum is held by rows
        assert kinds == 4 and plans == 3
        assert weights == 50 and codes <= 3 and scores and labels >= 5
        # the two rows the base history inserted are still there, and the keys went past them
        assert conn.execute('SELECT count(*), count(DISTINCT slug) FROM "Workspace"').fetchone() == (
            1002,
            1002,
        )
        # the composite key walks through pairs of parents: 3,000 distinct pairs
        pairs = conn.execute('SELECT count(DISTINCT ("fieldId", "workspaceId")) FROM "FieldOnWorkspace"')
        assert pairs.fetchone() == (3000,)
        conn.execute("INSERT INTO \"Workspace\" (slug) VALUES ('after')")  # the identity moved on


def test_columns_a_check_orders_are_seeded_in_that_order(scratch_pg: str) -> None:
    """A lesson ends after it starts, a booking's last night comes after its first, a range's top is
    above its bottom: rows are made so, instead of the table being left empty."""
    with psycopg.connect(scratch_pg, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE lessons (id int PRIMARY KEY, start_time time NOT NULL, end_time time NOT NULL,"
            " CHECK (start_time < end_time));"
            "CREATE TABLE stays (id int PRIMARY KEY, first_night date NOT NULL, last_night date NOT NULL,"
            " booked_at timestamptz NOT NULL, paid_at timestamptz NOT NULL,"
            " CHECK (last_night >= first_night AND paid_at > booked_at));"
            "CREATE TABLE ranges (id int PRIMARY KEY, low int NOT NULL, high int NOT NULL,"
            " CHECK (low < high))"
        )
        snapshot = get_introspector("postgresql")(conn)
        touched = {ObjectName("public", n) for n in ("lessons", "stays", "ranges")}
        result = seed(conn, snapshot, touched, 500)
        assert {t.table: t.rows for t in result.tables} == {"lessons": 500, "stays": 500, "ranges": 500}
        assert result.skipped == {}


def test_rows_that_collide_with_each_other_in_an_empty_table_are_skipped_not_fatal(scratch_pg: str) -> None:
    """An empty table takes its rows without ON CONFLICT (faster): where an index the generated keys do
    not foresee makes them collide anyway, the table is still seeded, with the rows that fit."""
    with psycopg.connect(scratch_pg, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE slots (id bigint PRIMARY KEY, hour int NOT NULL);"
            "CREATE UNIQUE INDEX one_per_hour ON slots ((hour % 24));"
            "CREATE TABLE readings (id bigint PRIMARY KEY, value int);"
        )
        snapshot = get_introspector("postgresql")(conn)
        result = seed(conn, snapshot, {ObjectName("public", "slots"), ObjectName("public", "readings")}, 500)

        seeded = {t.table: t.rows for t in result.tables}
        assert result.skipped == {}
        assert 0 < seeded["slots"] <= 24 and seeded["readings"] == 500
        assert conn.execute("SELECT count(*) FROM slots").fetchone() == (seeded["slots"],)
