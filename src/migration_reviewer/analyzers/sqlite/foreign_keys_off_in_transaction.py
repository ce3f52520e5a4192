from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import Wrapping
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.analyzers.sqlite._common import dropped_table, turns_foreign_keys_off
from migration_reviewer.replay.result import Outcome
from migration_reviewer.schema.model import PUBLIC, ConstraintKind, SchemaSnapshot

# What keeps a rebuild from losing rows of the tables that reference the rebuilt one.
REBUILD_FOREIGN_KEYS_FIX = (
    "run the rebuild outside a transaction between `PRAGMA foreign_keys = OFF` and `PRAGMA foreign_keys = "
    "ON`, then `PRAGMA foreign_key_check`. Inside a transaction (D1, Drizzle), `PRAGMA defer_foreign_keys = "
    "ON` only postpones the checks to the commit: `DROP TABLE` still runs the ON DELETE CASCADE and SET "
    "NULL actions of the tables that reference it, so rebuild those tables in the same migration too, or "
    "copy their rows aside and put them back after the rename"
)


@rule("BF201", "sqlite-foreign-keys-off-in-transaction", Category.BACKFILL, Severity.ERROR, {"sqlite"})
def foreign_keys_off_in_transaction(ctx: AnalysisContext) -> Iterator[Issue]:
    """`PRAGMA foreign_keys = OFF` inside a transaction, where SQLite ignores it.

    ## What it does
    Reports `PRAGMA foreign_keys = OFF` statements that run inside a transaction: the runner's (Drizzle
    runs all pending migrations in one, D1 runs each file as one batch, dbmate and golang-migrate wrap
    each file) or one the file opens. The replay records whether the statement ran in a transaction.
    When the migration then drops a table that other tables reference, the finding says what happens to
    their rows.

    ## Why is this risky?
    SQLite changes `foreign_keys` only outside a transaction; inside one the PRAGMA does nothing, without
    an error. Foreign keys stay enforced, so the `DROP TABLE` of a rebuild deletes the parent's rows one
    by one: `ON DELETE CASCADE` deletes every child row, `SET NULL` empties the references, and the
    default fails the migration once the tables hold data. This is the classic way rebuild migrations
    lose data. On Cloudflare D1 foreign keys are always on and the PRAGMA never works.

    ## Example
    ```sql
    PRAGMA foreign_keys = OFF;
    CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    INSERT INTO __new_users SELECT id, email FROM users;
    DROP TABLE users;
    ALTER TABLE __new_users RENAME TO users;
    PRAGMA foreign_keys = ON;
    ```
    (run by a runner that wraps the file in a transaction)

    ## Use instead
    ```sql
    PRAGMA defer_foreign_keys = ON;
    CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    INSERT INTO __new_users SELECT id, email FROM users;
    DROP TABLE users;
    ALTER TABLE __new_users RENAME TO users;
    ```
    `defer_foreign_keys` works inside a transaction, but it only postpones the *checks* to the commit,
    when the renamed table holds the rows again: it is enough when no table references the rebuilt one
    with an action. It does not stop `DROP TABLE` from running the `ON DELETE CASCADE` and `SET NULL`
    actions of the tables that reference it, so their rows are still deleted or emptied. For those, run
    the rebuild outside a transaction between `PRAGMA foreign_keys = OFF` and `ON` (dbmate
    `transaction:false`), then `PRAGMA foreign_key_check`; where that is impossible (D1, Drizzle's one
    transaction), rebuild the referencing tables in the same migration, or copy their rows aside first and
    put them back after the rename.
    """
    before = ctx.before
    for stmt in ctx.statements:
        if not turns_foreign_keys_off(stmt):
            continue
        in_transaction = _in_transaction(stmt)
        d1 = ctx.migration_set.framework == "d1"
        if not in_transaction and not d1:
            continue
        where = (
            "D1 keeps foreign keys on whatever the PRAGMA says"
            if d1 and not in_transaction
            else (
                "it runs inside a transaction"
                + (" (seen in the replay)" if stmt.applied else "")
                + ", where SQLite ignores it"
            )
        )
        consequences = _consequences(ctx, stmt, before) if before is not None else []
        message = f"`PRAGMA foreign_keys = OFF` does nothing here: {where}, so foreign keys stay enforced"
        if consequences:
            message += "; " + "; ".join(consequences)
        yield Issue(
            message=message,
            path=stmt.path,
            line=stmt.line,
            statement=stmt.statement.text,
            fix=REBUILD_FOREIGN_KEYS_FIX,
            confirmed_by_replay=stmt.applied and stmt.run is not None and stmt.run.in_transaction,
            severity=Severity.ERROR if consequences else Severity.WARNING,
        )


def _in_transaction(stmt: SqlStatement) -> bool:
    if stmt.run is not None and stmt.run.outcome is not Outcome.NOT_RUN:
        return stmt.run.in_transaction
    return stmt.migration.wrapping in (Wrapping.PER_MIGRATION, Wrapping.BATCH) or stmt.transaction is not None


def _consequences(ctx: AnalysisContext, pragma: SqlStatement, before: SchemaSnapshot) -> list[str]:
    """What each later DROP TABLE of the same migration does to the tables that reference it."""
    found = []
    after_pragma = False
    for stmt in ctx.statements:
        after_pragma = after_pragma or stmt is pragma
        table = dropped_table(stmt) if after_pragma and stmt.migration is pragma.migration else None
        if table is None:
            continue
        for child in before.tables:
            for fk in child.constraints:
                if fk.kind is not ConstraintKind.FOREIGN_KEY or fk.references is None:
                    continue
                if (fk.references.schema, fk.references.name) != (PUBLIC, table) or child.name == table:
                    continue
                action = fk.on_delete or "NO ACTION"
                if action == "CASCADE":
                    found.append(
                        f"`DROP TABLE {table}` deletes every row of `{child.name}` (ON DELETE CASCADE)"
                    )
                elif action in ("SET NULL", "SET DEFAULT"):
                    found.append(
                        f"`DROP TABLE {table}` resets `{child.name}.{', '.join(fk.columns)}` ({action})"
                    )
                else:
                    found.append(f"`DROP TABLE {table}` fails as soon as `{child.name}` has rows")
    return found
