from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import qualified, relation


@rule("LK014", "rename-table", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def rename_table(ctx: AnalysisContext) -> Iterator[Issue]:
    """An existing table is renamed.

    ## What it does
    Reports `ALTER TABLE … RENAME TO` on tables the change did not create.

    ## Why is this risky?
    The running application still queries the old name and fails until every instance runs the new code.
    The rename takes a brief ACCESS EXCLUSIVE lock.

    ## Example
    ```sql
    ALTER TABLE users RENAME TO accounts;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE users RENAME TO accounts;
    CREATE VIEW users AS SELECT * FROM accounts;
    COMMIT;
    ```
    A simple view under the old name is updatable, so old code keeps working; drop it once no release uses
    the old name.
    """
    view_names = {relation(stmt.body["view"]) for stmt in ctx.of_kind("ViewStmt")}
    for stmt in ctx.of_kind("RenameStmt"):
        body = stmt.body
        if stmt.kind != "RenameStmt" or body.get("renameType") != "OBJECT_TABLE":
            continue
        table = relation(body["relation"])
        if ctx.is_new(table) or table in view_names:
            continue
        schema = body["relation"].get("schemaname") or "public"
        new = qualified([schema, body.get("newname", "?")])
        yield lock_issue(
            ctx,
            stmt,
            Risk(table, LockMode.ACCESS_EXCLUSIVE),
            message=f"Renaming `{table}` to `{new}` breaks the running application's queries that still use "
            "the old name.",
            fix=f"in the same transaction, `CREATE VIEW {table} AS SELECT * FROM {new}` so the old name "
            "keeps working; drop the view once no release uses it",
        )
