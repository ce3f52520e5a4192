from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import schema_issue, touched_tables
from migration_reviewer.schema.model import ConstraintKind, Table


@rule("SD001", "foreign-key-without-index", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True)
def foreign_key_without_index(ctx: AnalysisContext) -> Iterator[Issue]:
    """A new foreign key whose referencing columns no index leads with.

    ## What it does
    For each foreign key the change adds (in a new table or with `ADD CONSTRAINT`), looks in the schema
    after the change for a valid index whose first columns are the key's columns, in any order.

    ## Why is this risky?
    PostgreSQL indexes the referenced side (it must be unique) but not the referencing one. Every DELETE
    or key UPDATE on the parent then scans the child table to find referencing rows, under a lock, and
    joins from parent to children scan too: fine on an empty table, slow once it grows.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
    CREATE INDEX orders_user_id_idx ON orders (user_id);
    ```
    On an existing table, build the index with `CREATE INDEX CONCURRENTLY` before adding the key.
    """
    for touched in touched_tables(ctx):
        for key in touched.table.constraints:
            if key.kind is not ConstraintKind.FOREIGN_KEY or not touched.has_constraint(key.name):
                continue
            if key.inherited or _indexed(touched.table, key.columns):
                continue
            columns = ", ".join(key.columns)
            index = f"{touched.table.name}_{'_'.join(key.columns)}_idx"
            # A table the change creates is empty: a plain build is instant, and CONCURRENTLY would fail
            # inside the runner's transaction.
            build = "CREATE INDEX" if touched.new else "CREATE INDEX CONCURRENTLY"
            yield schema_issue(
                ctx,
                touched.name,
                key.name if key.name in touched.constraints else None,
                f"foreign key `{key.name}` on `{touched.name}` ({columns}) has no index on its columns: "
                f"deleting or re-keying a row of `{key.references}` scans `{touched.name}`.",
                f"`{build} {index} ON {touched.name} ({columns})`",
            )


def _indexed(table: Table, columns: tuple[str, ...]) -> bool:
    width = len(columns)
    return any(index.valid and set(index.columns[:width]) == set(columns) for index in table.indexes)
