from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import invalid_leftover_caveat
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, fields, qualified, strings
from migration_reviewer.schema.model import PUBLIC


@rule(
    "LK037",
    "concurrent-index-if-not-exists",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def concurrent_index_if_not_exists(ctx: AnalysisContext) -> Iterator[Issue]:
    """`CREATE INDEX CONCURRENTLY IF NOT EXISTS`, which keeps an INVALID index left by a failed build.

    ## What it does
    Reports `CREATE INDEX CONCURRENTLY IF NOT EXISTS` unless the same migration drops an index of that
    name before it. In `review`, where the base schema already holds an INVALID index of that name, the
    finding is an error confirmed by the replay.

    ## Why is this risky?
    A concurrent build is not atomic: when it fails part way (a deadlock, a duplicate value under a
    UNIQUE index, a lock or statement timeout, a cancelled deploy) PostgreSQL keeps the half-built index,
    marked INVALID. Running the migration again then finds the name taken, and `IF NOT EXISTS` skips the
    build without a word: the deploy succeeds, and the index serves no query and enforces no uniqueness,
    while every write still pays to maintain it.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx;
    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
    ```
    Each statement outside a transaction. Where dropping a valid index is not acceptable, check
    `pg_index.indisvalid` for the name first and drop only an invalid leftover.
    """
    dropped: set[tuple[str, str]] = set()  # (migration id, index name) dropped so far
    for stmt in ctx.statements:
        if stmt.kind == "DropStmt" and stmt.body.get("removeType") == "OBJECT_INDEX":
            for names in stmt.body.get("objects", ()):
                dropped.add((stmt.migration.id, qualified(strings(fields(names, "List").get("items")))))
            continue
        body = stmt.body
        if stmt.kind != "IndexStmt" or not body.get("concurrent") or not body.get("if_not_exists"):
            continue
        name = body.get("idxname")
        if not name:  # without a name PostgreSQL picks a free one: nothing to skip
            continue
        schema = body["relation"].get("schemaname") or PUBLIC
        if (stmt.migration.id, qualified([schema, name])) in dropped:
            continue
        yield _issue(ctx, stmt, schema, name)


def _issue(ctx: AnalysisContext, stmt: SqlStatement, schema: str, name: str) -> Issue:
    message = (
        f"`CREATE INDEX CONCURRENTLY IF NOT EXISTS {name}` keeps an INVALID index of that name left by "
        "an earlier failed build: the migration then succeeds without a usable index."
    )
    leftover = next(
        (
            index
            for table in (ctx.before.tables if ctx.before is not None else ())
            if table.schema == schema
            for index in table.indexes
            if index.name == name and not index.valid
        ),
        None,
    )
    if leftover is None:
        return Issue(
            message=message,
            path=stmt.path,
            line=stmt.line,
            fix=invalid_leftover_caveat(name),
            statement=stmt.statement.text,
        )
    return Issue(
        message=f"The base schema already holds `{name}` as an INVALID index: "
        f"`CREATE INDEX CONCURRENTLY IF NOT EXISTS {name}` skips the build and the migration succeeds "
        "without a usable index.",
        path=stmt.path,
        line=stmt.line,
        fix=invalid_leftover_caveat(name),
        statement=stmt.statement.text,
        confirmed_by_replay=True,
        severity=Severity.ERROR,
    )
