from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import schema_issue, touched_tables

_LIMITS = {"integer": "2,147,483,647", "smallint": "32,767"}


@rule("SD007", "integer-primary-key", Category.SCHEMA, Severity.WARNING, {"postgresql"})
def integer_primary_key(ctx: AnalysisContext) -> Iterator[Issue]:
    """A primary key the change adds is a 4-byte (or 2-byte) integer: `serial`, `int` identity or `int`.

    ## What it does
    Reports a single-column primary key of type `integer` or `smallint` on a table the change creates,
    or a primary key the change adds or retypes.

    ## Why is this risky?
    A busy table reaches 2,147,483,647 ids sooner than anyone plans for (deleted rows and rolled back
    inserts use ids too). Then every INSERT fails, and widening the key is a rewrite of the table, of
    every index on it and of every referencing column, under ACCESS EXCLUSIVE. `bigint` costs 4 bytes
    more per row.

    ## Example
    ```sql
    CREATE TABLE events (id serial PRIMARY KEY, name text);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
    ```

    ## Fix in Prisma
    `id BigInt @id @default(autoincrement())` instead of `Int`.

    ## Fix in Drizzle
    `bigserial("id", { mode: "number" }).primaryKey()`, or
    `bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity()`.
    """
    for touched in touched_tables(ctx):
        key = touched.table.primary_key
        if key is None or len(key.columns) != 1:
            continue
        column = touched.table.column(key.columns[0])
        if column is None or column.type not in _LIMITS:
            continue
        if not (touched.new or key.name in touched.constraints or column.name in touched.columns):
            continue
        yield schema_issue(
            ctx,
            touched.name,
            column.name,
            f"primary key `{touched.name}.{column.name}` is `{column.type}`: it runs out at "
            f"{_LIMITS[column.type]} ids, and widening it later rewrites the table and its references.",
            "use `bigint` (`bigint GENERATED ALWAYS AS IDENTITY`, or `bigserial`)",
        )
