from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import Touched, head, schema_issue, touched_tables
from migration_reviewer.schema.model import PUBLIC, ConstraintKind, Table

_LIMITS = {"integer": "2,147,483,647", "smallint": "32,767"}


@rule("SD007", "integer-primary-key", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True)
def integer_primary_key(ctx: AnalysisContext) -> Iterator[Issue]:
    """A primary key the change adds is a 4-byte (or 2-byte) integer: `serial`, `int` identity or `int`.

    ## What it does
    Reports a single-column primary key of type `integer` or `smallint` on a table the change creates,
    or a primary key the change adds or retypes; and a foreign key the change adds whose column is
    `integer` or `smallint` while the key it points at is `bigint`, or is such a new integer key. Other
    integer columns are left alone: only keys grow with the row count.

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
    touched_all = list(touched_tables(ctx))
    for touched in touched_all:
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
    yield from _integer_foreign_keys(ctx, touched_all)


def _integer_foreign_keys(ctx: AnalysisContext, touched_all: list[Touched]) -> Iterator[Issue]:
    """Foreign keys the change adds, of an integer column, pointing at a bigint key or a new integer key."""
    by_name = {t.name: t for t in touched_all}
    after = head(ctx)
    for touched in touched_all:
        for key in touched.table.constraints:
            if key.kind is not ConstraintKind.FOREIGN_KEY or len(key.columns) != 1 or key.references is None:
                continue
            column = touched.table.column(key.columns[0])
            if column is None or column.type not in _LIMITS or not touched.has_constraint(key.name):
                continue
            target_name = str(key.references)
            target: Table | None = by_name[target_name].table if target_name in by_name else None
            if target is None and after is not None:
                target = after.table(key.references.schema or PUBLIC, key.references.name)
            referenced = _referenced_column(target, key.referenced_columns)
            if referenced is None:
                continue
            new_integer_key = target_name in by_name and by_name[target_name].new and referenced in _LIMITS
            if referenced != "bigint" and not new_integer_key:
                continue
            yield schema_issue(
                ctx,
                touched.name,
                column.name,
                f"foreign key column `{touched.name}.{column.name}` is `{column.type}` and points at a "
                f"`{referenced}` key of `{target_name}`: it runs out at {_LIMITS[column.type]} ids.",
                "make the referencing column `bigint` too (and the key it points at)",
            )


def _referenced_column(target: Table | None, columns: tuple[str, ...]) -> str | None:
    """The type of the key column a foreign key points at (its table's primary key when unnamed)."""
    if target is None:
        return None
    if not columns and target.primary_key is not None:
        columns = target.primary_key.columns
    column = target.column(columns[0]) if len(columns) == 1 else None
    return column.type if column is not None else None
