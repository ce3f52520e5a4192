from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("LK028", "rename-schema", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def rename_schema(ctx: AnalysisContext) -> Iterator[Issue]:
    """An existing schema is renamed.

    ## What it does
    Reports `ALTER SCHEMA … RENAME TO` on schemas the change did not create.

    ## Why is this risky?
    Every query of the running release that names the schema (and every `search_path` that lists it)
    fails the moment the rename commits: all tables, views and functions in it move at once. Views and
    functions whose bodies are stored as text (SQL functions, PL/pgSQL) still name the old schema.

    ## Example
    ```sql
    ALTER SCHEMA billing RENAME TO invoicing;
    ```

    ## Use instead
    ```sql
    CREATE SCHEMA invoicing;
    ```
    Create the new schema, move the objects one by one with `ALTER TABLE … SET SCHEMA` behind views
    under the old names, switch the application, and drop the old schema in a later release.
    """
    created = {stmt.body.get("schemaname", "") for stmt in ctx.of_kind("CreateSchemaStmt")}
    for stmt in ctx.of_kind("RenameStmt"):
        if stmt.kind != "RenameStmt" or stmt.body.get("renameType") != "OBJECT_SCHEMA":
            continue
        old, new = stmt.body.get("subname", ""), stmt.body.get("newname", "")
        if old in created:
            continue
        yield Issue(
            message=f"Renaming schema `{old}` to `{new}` breaks every query of the running release that "
            f"names `{old}`, and functions whose bodies name it.",
            path=stmt.path,
            line=stmt.line,
            fix="move objects to the new schema one by one behind views under the old names, switch the "
            "application, then drop the old schema in a later release",
            statement=stmt.statement.text,
        )
