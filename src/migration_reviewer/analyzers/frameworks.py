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


# What to do about the INVALID index a failed concurrent build leaves: the one sentence every finding about
# concurrent index builds uses, so the advice reads the same wherever it appears.
REBUILD_INVALID_INDEX = (
    "a concurrent build that fails leaves an INVALID index behind, and `IF NOT EXISTS` silently keeps it "
    "when the migration runs again: drop the leftover first (`DROP INDEX CONCURRENTLY IF EXISTS …`, then "
    "create), or check `pg_index.indisvalid` in a DO block before creating"
)


def commit_enum_value_first(framework: str) -> str:
    """The fix for a new enum value used in the transaction that adds it (PostgreSQL's 55P04)."""
    return (
        f"split the migration: commit the ADD VALUE first ({outside_transaction(framework)}), in a "
        "migration before the one that uses the value"
    )
