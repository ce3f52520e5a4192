from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, relation


@rule("LK013", "rename-column", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def rename_column(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column of an existing table is renamed.

    ## What it does
    Reports `ALTER TABLE … RENAME COLUMN` on tables the change did not create, of columns it did not add.

    ## Why is this risky?
    The application that is running while the migration is deployed still uses the old name: its queries
    fail from the moment the rename commits until every instance runs the new code. The rename itself
    takes a brief ACCESS EXCLUSIVE lock.

    ## Example
    ```sql
    ALTER TABLE users RENAME COLUMN name TO full_name;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN full_name text;
    ```
    Then expand and contract: write both columns, backfill `full_name`, switch reads, stop writing `name`,
    and drop it in a later release.
    """
    added: set[tuple[str, str]] = set()  # columns the change itself added: no release reads them yet
    for stmt in ctx.statements:
        body = stmt.body
        if stmt.altered_table is not None:
            for cmd in stmt.alter_commands:
                if cmd.get("subtype") == "AT_AddColumn":
                    column = fields(cmd.get("def", {}), "ColumnDef").get("colname", "")
                    added.add((stmt.altered_table, column))
        if stmt.kind != "RenameStmt" or body.get("renameType") != "OBJECT_COLUMN":
            continue
        if body.get("relationType") != "OBJECT_TABLE":
            continue
        table = relation(body["relation"])
        if ctx.is_new(table):
            continue
        old, new = body.get("subname", "?"), body.get("newname", "?")
        if (table, old) in added:
            continue
        yield lock_issue(
            ctx,
            stmt,
            Risk(table, LockMode.ACCESS_EXCLUSIVE),
            message=f"Renaming `{table}.{old}` to `{new}` breaks the running application's queries that "
            "still use the old name.",
            fix=f"add `{new}`, write both, backfill, switch reads, then drop `{old}` in a later release",
        )
