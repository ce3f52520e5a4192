from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import changed_columns, schema_issue


@rule("SD004", "json-instead-of-jsonb", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True)
def json_instead_of_jsonb(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column the change adds or retypes is `json` rather than `jsonb`.

    ## What it does
    Reports columns of type `json` (or `json[]`) among the columns the change adds or retypes.

    ## Why is this risky?
    `json` stores the text as written and parses it on every access; it has no equality operator (so no
    `DISTINCT`, `GROUP BY` or `UNION` over it) and no GIN index. `jsonb` is what almost every
    application wants. Keep `json` only when the exact text (key order, duplicate keys, whitespace)
    matters.

    ## Example
    ```sql
    ALTER TABLE events ADD COLUMN payload json;
    ```

    ## Use instead
    ```sql
    ALTER TABLE events ADD COLUMN payload jsonb;
    ```
    """
    for touched, column in changed_columns(ctx):
        if column.type in ("json", "json[]"):
            yield schema_issue(
                ctx,
                touched.name,
                column.name,
                f"`{touched.name}.{column.name}` is `{column.type}`: no equality, no GIN index, parsed on "
                "every read.",
                f"use `{column.type.replace('json', 'jsonb')}` unless the exact JSON text must be kept",
            )
