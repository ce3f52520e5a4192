from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import invalid_leftover_caveat, outside_transaction
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import relation
from migration_reviewer.schema.model import RelationKind

_CREATE_INDEX = re.compile(r"^(CREATE\s+(?:UNIQUE\s+)?INDEX)\b", re.I)


@rule(
    "LK001",
    "create-index-without-concurrently",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def create_index_without_concurrently(ctx: AnalysisContext) -> Iterator[Issue]:
    """`CREATE INDEX` without `CONCURRENTLY` on a table that already exists.

    ## What it does
    Reports index builds on tables the change did not create, unless they use `CONCURRENTLY`.

    ## Why is this risky?
    A plain `CREATE INDEX` holds a SHARE lock on the table for the whole build: every INSERT, UPDATE
    and DELETE waits until the index is built, which on a large table takes minutes. Reads continue.
    `CREATE INDEX CONCURRENTLY` builds the index in several passes under a lock that blocks no reads or
    writes; it takes longer and cannot run inside a transaction.

    ## Example
    ```sql
    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    ```
    Outside a transaction. A concurrent build that fails leaves an INVALID index behind, and
    `IF NOT EXISTS` keeps it as it is when the migration runs again: check `pg_index.indisvalid` and
    drop an invalid leftover (`DROP INDEX CONCURRENTLY …`) before building again (LK037).

    An index on a table created by the same change is not reported: the table is empty. A partitioned
    table cannot be indexed concurrently: create the index `ON ONLY` the parent, build each partition's
    index concurrently and `ALTER INDEX … ATTACH PARTITION` them.

    ## Fix in Alembic
    ```python
    with op.get_context().autocommit_block():
        op.create_index("orders_customer_id_idx", "orders", ["customer_id"], postgresql_concurrently=True)
    ```

    ## Fix in Prisma
    Edit the generated `migration.sql` to use `CREATE INDEX CONCURRENTLY`, and keep that statement alone
    in its migration: Prisma runs a one-statement migration without a transaction.

    ## Fix in Drizzle
    drizzle-kit runs every pending migration in one transaction, so `CONCURRENTLY` fails there: build the
    index outside the migrator and keep the schema file in step.

    ## Fix in dbmate
    Start the migration with `-- migrate:up transaction:false`.
    """
    for stmt in ctx.of_kind("IndexStmt"):
        if stmt.kind != "IndexStmt" or stmt.body.get("concurrent"):
            continue
        table = relation(stmt.body["relation"])
        if ctx.is_new(table):
            continue
        name = stmt.body.get("idxname")
        existing = ctx.existing_table(table)
        if existing is not None and existing.kind is RelationKind.PARTITIONED_TABLE:
            fix = (
                f"`CREATE INDEX … ON ONLY {table}`, then `CREATE INDEX CONCURRENTLY` on each partition and "
                "`ALTER INDEX … ATTACH PARTITION` each one"
            )
        else:
            safe = _CREATE_INDEX.sub(r"\1 CONCURRENTLY", stmt.statement.text, count=1)
            fix = f"`{safe}`, {outside_transaction(ctx.migration_set.framework)}"
            if stmt.body.get("if_not_exists") and name:
                fix += f". {invalid_leftover_caveat(name)}"
        yield lock_issue(
            ctx,
            stmt,
            Risk(table, LockMode.SHARE, Work.INDEX),
            message=f"`CREATE INDEX{' ' + name if name else ''}` builds its index without CONCURRENTLY.",
            fix=fix,
        )
