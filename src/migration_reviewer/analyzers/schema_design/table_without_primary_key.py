from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import schema_issue, touched_tables


@rule("SD002", "table-without-primary-key", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True)
def table_without_primary_key(ctx: AnalysisContext) -> Iterator[Issue]:
    """A new table without a primary key.

    ## What it does
    Reports tables the change creates that have no primary key once the change has run (partitions are
    left out: they take their parent's).

    ## Why is this risky?
    Without a primary key, rows cannot be told apart: duplicates creep in, ORMs cannot update or delete
    one row, and logical replication (and tools built on it: Debezium, online upgrades, many managed
    database migrations) refuses UPDATE and DELETE on the table.

    ## Example
    ```sql
    CREATE TABLE user_tags (user_id bigint NOT NULL, tag text NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE user_tags (user_id bigint NOT NULL, tag text NOT NULL, PRIMARY KEY (user_id, tag));
    ```
    """
    for touched in touched_tables(ctx):
        table = touched.table
        if touched.new and table.partition_of is None and table.primary_key is None:
            yield schema_issue(
                ctx,
                touched.name,
                None,
                f"`{touched.name}` has no primary key: its rows cannot be addressed one by one, and logical "
                "replication refuses its UPDATEs and DELETEs.",
                "add a PRIMARY KEY: an identity column, or the columns that make a row unique",
            )
