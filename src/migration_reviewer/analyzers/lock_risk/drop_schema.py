from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import strings


@rule("LK026", "drop-schema", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def drop_schema(ctx: AnalysisContext) -> Iterator[Issue]:
    """An existing schema is dropped.

    ## What it does
    Reports `DROP SCHEMA` of schemas the change did not create; with `CASCADE` it is an error.

    ## Why is this risky?
    With `CASCADE`, every table, view, function and type in the schema goes with it, data included, and
    nothing in the statement says which: a rollback cannot bring them back. Each table dropped takes
    ACCESS EXCLUSIVE, so the statement also waits for every query on any of them while new ones queue
    behind it. Without `CASCADE` it fails as soon as the schema holds anything, half way through a deploy.

    ## Example
    ```sql
    DROP SCHEMA reporting CASCADE;
    ```

    ## Use instead
    ```sql
    DROP TABLE reporting.daily_totals;
    ```
    Drop the objects one by one, each once no deployed release uses it (each is then reviewed on its own),
    and the empty schema last, without `CASCADE`.
    """
    created = {stmt.body.get("schemaname", "") for stmt in ctx.of_kind("CreateSchemaStmt")}
    for stmt in ctx.of_kind("DropStmt"):
        if stmt.kind != "DropStmt" or stmt.body.get("removeType") != "OBJECT_SCHEMA":
            continue
        cascade = stmt.body.get("behavior") == "DROP_CASCADE"
        for name in strings(stmt.body.get("objects")):
            if name in created:
                continue
            if cascade:
                message = (
                    f"`DROP SCHEMA {name} CASCADE` drops every table, view and function in `{name}` with "
                    "their data, under ACCESS EXCLUSIVE locks; a rollback cannot restore them."
                )
            else:
                message = (
                    f"Dropping schema `{name}` breaks code that still uses it, and fails if anything is "
                    "still in it."
                )
            yield Issue(
                message=message,
                path=stmt.path,
                line=stmt.line,
                fix="drop the schema's objects one by one once nothing uses them, then the empty schema "
                "without CASCADE",
                statement=stmt.statement.text,
                severity=Severity.ERROR if cascade else None,
            )
