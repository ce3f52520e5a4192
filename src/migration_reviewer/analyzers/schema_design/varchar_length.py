from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import changed_columns, schema_issue


@rule("SD006", "varchar-length", Category.SCHEMA, Severity.INFO, {"postgresql"}, lintable=True)
def varchar_length(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column the change adds or retypes is `varchar(n)` or `char(n)`.

    ## What it does
    Reports columns of type `varchar(n)` (`character varying(n)`) or `char(n)` (`character(n)`) among the
    columns the change adds or retypes.

    ## Why is this risky?
    In PostgreSQL `varchar(n)` is `text` with a length check: no faster, no smaller. The limit is part of
    the type, so raising it later is an `ALTER COLUMN TYPE`, and lowering it rewrites and locks the
    table. A CHECK constraint states the same rule and changes without a rewrite (`NOT VALID`, then
    `VALIDATE`). `char(n)` also pads every value with spaces to `n` characters, which comparisons and
    clients see differently.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname varchar(50);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN nickname text CHECK (length(nickname) <= 50);
    ```
    """
    for touched, column in changed_columns(ctx):
        if column.type.startswith(("character varying(", "character(")) and not column.type.endswith("[]"):
            yield schema_issue(
                ctx,
                touched.name,
                column.name,
                f"`{touched.name}.{column.name}` is `{column.type}`: the limit is part of the type, so "
                "changing it later is an ALTER COLUMN TYPE.",
                "use `text` with a CHECK (length(…) <= n) constraint, which can change without a rewrite",
            )
