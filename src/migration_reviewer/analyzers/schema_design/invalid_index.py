from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import schema_issue, touched_tables
from migration_reviewer.schema.model import RelationKind


@rule("SD008", "invalid-index", Category.SCHEMA, Severity.WARNING, {"postgresql"})
def invalid_index(ctx: AnalysisContext) -> Iterator[Issue]:
    """The change leaves an INVALID index behind.

    ## What it does
    Reports indexes the change adds that the schema after the change marks invalid: what a failed or
    interrupted `CREATE INDEX CONCURRENTLY` leaves (partitioned tables' parent indexes, valid once every
    partition is attached, are left out).

    ## Why is this risky?
    An invalid index serves no query and enforces no uniqueness, yet every write still maintains it;
    running the migration again fails because the name is taken.

    ## Example
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);  -- fails on duplicates
    ```

    ## Use instead
    ```sql
    DROP INDEX CONCURRENTLY IF EXISTS users_email_key;
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ```
    after removing the duplicates; make the migration drop a leftover before it builds.
    """
    for touched in touched_tables(ctx, partial=True):  # a failed build is what leaves one
        if touched.table.kind is RelationKind.PARTITIONED_TABLE:
            continue
        for index in touched.table.indexes:
            if not index.valid and touched.has_index(index.name):
                yield schema_issue(
                    ctx,
                    touched.name,
                    index.name,
                    f"index `{index.name}` on `{touched.name}` is INVALID after the change: it serves no "
                    "query, enforces nothing, and still slows every write.",
                    f"`DROP INDEX CONCURRENTLY {index.name}`, fix the cause, then build it again",
                )
