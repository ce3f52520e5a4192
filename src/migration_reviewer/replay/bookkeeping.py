"""Each runner's own table of applied migrations, made and filled the way the runner does it, so that a
migration that reads or alters it (a column added to golang-migrate's `schema_migrations`) replays as it
runs in production. Made by the migrations' role in the set's database, like the runner's own."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migration_reviewer.adapters.base import Dialect, Migration


@dataclass(frozen=True)
class Bookkeeping:
    create: str  # idempotent: a schema dump may have made the table already
    record: Callable[[Sequence[Migration]], str]  # the SQL that records these migrations as applied


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(migration: Migration) -> str:
    return ";\n".join(script.text for script in migration.up)


def _golang_migrate(migrations: Sequence[Migration]) -> str:
    # One row: the newest version, not dirty (the runner truncates and inserts after each migration).
    return (f"DELETE FROM schema_migrations; INSERT INTO schema_migrations (version, dirty) "
            f"VALUES ({int(migrations[-1].id)}, false)")


def _dbmate(migrations: Sequence[Migration]) -> str:
    values = ", ".join(f"({_literal(m.id)})" for m in migrations)
    return f"INSERT INTO schema_migrations (version) VALUES {values} ON CONFLICT DO NOTHING"


def _prisma(migrations: Sequence[Migration]) -> str:
    values = ", ".join(
        f"({_literal(str(uuid.uuid4()))}, {_literal(hashlib.sha256(_text(m).encode()).hexdigest())}, now(), "
        f"{_literal(m.id)}, now(), 1)"
        for m in migrations
    )
    return ("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, "
            f"applied_steps_count) VALUES {values}")


def _drizzle(migrations: Sequence[Migration]) -> str:
    values = ", ".join(f"({_literal(hashlib.sha256(_text(m).encode()).hexdigest())})" for m in migrations)
    return f"INSERT INTO drizzle.__drizzle_migrations (hash) VALUES {values}"


def _supabase(migrations: Sequence[Migration]) -> str:
    values = ", ".join(
        f"({_literal(m.id)}, ARRAY[{_literal(_text(m))}], {_literal(m.name)})" for m in migrations
    )
    return ("INSERT INTO supabase_migrations.schema_migrations (version, statements, name) "
            f"VALUES {values} ON CONFLICT DO NOTHING")


_GOLANG_MIGRATE = Bookkeeping(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, "
    "dirty boolean NOT NULL)",
    _golang_migrate,
)
_DBMATE = Bookkeeping(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)", _dbmate
)
_PRISMA = Bookkeeping(
    "CREATE TABLE IF NOT EXISTS _prisma_migrations (id varchar(36) PRIMARY KEY, "
    "checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL, "
    "logs text, rolled_back_at timestamptz, "
    "started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0)",
    _prisma,
)
_DRIZZLE = Bookkeeping(
    "CREATE SCHEMA IF NOT EXISTS drizzle; CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations "
    "(id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)",
    _drizzle,
)
_SUPABASE = Bookkeeping(
    "CREATE SCHEMA IF NOT EXISTS supabase_migrations; CREATE TABLE IF NOT EXISTS "
    "supabase_migrations.schema_migrations (version text PRIMARY KEY, statements text[], name text)",
    _supabase,
)
_BY_FRAMEWORK = {
    "golang-migrate": _GOLANG_MIGRATE,
    "dbmate": _DBMATE,
    "prisma": _PRISMA,
    "drizzle": _DRIZZLE,
    "supabase": _SUPABASE,
}


def bookkeeping_for(framework: str, dialect: Dialect) -> Bookkeeping | None:
    """The runner's table, where we make it: PostgreSQL (the other databases' runners name their types
    differently, and we do not make their tables yet)."""
    return _BY_FRAMEWORK.get(framework) if dialect is Dialect.POSTGRESQL else None
