from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import relation


@rule(
    "LK031",
    "refresh-materialized-view-without-concurrently",
    Category.LOCK,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def refresh_materialized_view_without_concurrently(ctx: AnalysisContext) -> Iterator[Issue]:
    """`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`, or `WITH NO DATA`.

    ## What it does
    Reports a refresh of a materialized view the change did not create, unless it is `CONCURRENTLY`;
    `WITH NO DATA` is an error.

    ## Why is this risky?
    A plain refresh holds ACCESS EXCLUSIVE on the view while it runs the whole query again: every read of
    the view waits for it. `WITH NO DATA` empties the view and leaves it unscannable: every query on it
    fails ("materialized view has not been populated") until someone refreshes it.

    ## Example
    ```sql
    REFRESH MATERIALIZED VIEW order_totals;
    ```

    ## Use instead
    ```sql
    REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;
    ```
    `CONCURRENTLY` needs a unique index on the view and runs outside a transaction block; reads continue
    while it runs.
    """
    for stmt in ctx.of_kind("RefreshMatViewStmt"):
        if stmt.kind != "RefreshMatViewStmt" or stmt.body.get("concurrent"):
            continue
        view = relation(stmt.body["relation"])
        if ctx.is_new(view):
            continue
        if stmt.body.get("skipData"):
            yield lock_issue(
                ctx,
                stmt,
                Risk(view, LockMode.ACCESS_EXCLUSIVE),
                message=f"`REFRESH MATERIALIZED VIEW {view} WITH NO DATA` empties the view: every query on "
                "it fails until it is refreshed again.",
                fix="refresh it with data (CONCURRENTLY where it has a unique index), or drop it in a "
                "release that no longer reads it",
                severity=Severity.ERROR,
            )
            continue
        yield lock_issue(
            ctx,
            stmt,
            Risk(view, LockMode.ACCESS_EXCLUSIVE, Work.REWRITE),
            message=f"Refreshing `{view}` without CONCURRENTLY runs its query again under an exclusive lock.",
            fix="REFRESH MATERIALIZED VIEW CONCURRENTLY (the view needs a unique index; run it outside a "
            "transaction block)",
        )
