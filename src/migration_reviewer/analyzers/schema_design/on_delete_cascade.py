from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import head, schema_issue, touched_tables
from migration_reviewer.schema.model import ConstraintKind, SchemaSnapshot, display_name


@rule("SD003", "on-delete-cascade", Category.SCHEMA, Severity.INFO, {"postgresql"})
def on_delete_cascade(ctx: AnalysisContext) -> Iterator[Issue]:
    """A new foreign key with `ON DELETE CASCADE`: which tables lose rows when a parent row goes.

    ## What it does
    For each foreign key the change adds with `ON DELETE CASCADE`, follows the cascading keys of the
    schema after the change and names every table a DELETE of one parent row reaches.

    ## Why is this risky?
    A cascade turns one DELETE into many, across tables, in one transaction: an admin deleting one
    account can remove years of orders, and the locks and WAL of a large cascade surprise everyone.
    Sometimes that is the intent; it should be a decision, visible in review.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE);
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE RESTRICT);
    ```
    Delete children explicitly (or soft-delete), or keep the cascade and say so in the pull request.
    """
    after = head(ctx)
    if after is None:
        return
    for touched in touched_tables(ctx):
        for key in touched.table.constraints:
            if key.kind is not ConstraintKind.FOREIGN_KEY or key.on_delete != "CASCADE":
                continue
            if not touched.has_constraint(key.name) or key.references is None or key.inherited:
                continue
            reached = _cascade(after, touched.name)
            further = f", and through it {', '.join(f'`{t}`' for t in reached)}" if reached else ""
            yield schema_issue(
                ctx,
                touched.name,
                key.name if key.name in touched.constraints else None,
                f"deleting a row of `{key.references}` deletes the rows of `{touched.name}` that "
                f"reference it (`{key.name}`){further}.",
                "use ON DELETE RESTRICT (or SET NULL) and delete children explicitly, or confirm the cascade "
                "is intended",
            )


def _cascade(schema: SchemaSnapshot, parent: str) -> list[str]:
    """The tables a DELETE on `parent` reaches through cascading foreign keys, `parent` left out."""
    children: dict[str, set[str]] = {}
    for table in schema.tables:
        for key in table.constraints:
            if key.kind is ConstraintKind.FOREIGN_KEY and key.on_delete == "CASCADE" and key.references:
                children.setdefault(str(key.references), set()).add(display_name(table.schema, table.name))
    seen: list[str] = []
    pending = sorted(children.get(parent, ()))
    while pending:
        child = pending.pop(0)
        if child in seen or child == parent:
            continue
        seen.append(child)
        pending += sorted(children.get(child, ()))
    return seen
