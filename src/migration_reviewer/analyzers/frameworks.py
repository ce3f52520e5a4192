"""How each framework's migrations express what a safe rewrite needs, for the `fix` of a finding."""

from __future__ import annotations

# How to run a statement outside a transaction (CREATE INDEX CONCURRENTLY and friends), per framework.
_OUTSIDE_TRANSACTION = {
    "dbmate": "start the migration with `-- migrate:up transaction:false`",
    "golang-migrate": "put it alone in a migration of its own (a one-statement file runs without a "
    "transaction)",
    "prisma": "put it alone in a migration of its own (Prisma runs a one-statement migration.sql "
    "without a transaction)",
    "drizzle": "drizzle's migrator runs every pending migration in one transaction: run it outside "
    "the migrator (a script or psql step before or after `drizzle-kit migrate`)",
    "supabase": "the Supabase CLI runs each migration file in a transaction: run it outside the "
    "migrations (psql or the SQL editor), then record it",
    "alembic": "wrap it in `with op.get_context().autocommit_block():` (e.g. `op.create_index(..., "
    "postgresql_concurrently=True)`)",
}


def outside_transaction(framework: str) -> str:
    """How to run a statement outside any transaction with this framework."""
    return _OUTSIDE_TRANSACTION.get(framework, "run it outside BEGIN … COMMIT")


def invalid_leftover_caveat(index: str) -> str:
    """What `CONCURRENTLY IF NOT EXISTS` hides: a build that failed before left an INVALID index of that
    name, which IF NOT EXISTS keeps, silently, instead of building a valid one. The one wording of every
    finding about it (LK001's and LK037's fix, RP001's for an index that already exists)."""
    return (
        f"With IF NOT EXISTS, an INVALID `{index}` left by a failed earlier build is kept as it is: check "
        f"`SELECT indisvalid FROM pg_index WHERE indexrelid = '{index}'::regclass` and drop an invalid "
        f"leftover (`DROP INDEX CONCURRENTLY {index}`) before building again"
    )


def commit_enum_value_first(framework: str) -> str:
    """The fix for a new enum value used in the transaction that adds it (PostgreSQL's 55P04)."""
    return (
        f"split the migration: commit the ADD VALUE first ({outside_transaction(framework)}), in a "
        "migration before the one that uses the value"
    )
