from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import changed_columns, schema_issue


@rule(
    "SD005", "timestamp-without-time-zone", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True
)
def timestamp_without_time_zone(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column the change adds or retypes is `timestamp` without time zone.

    ## What it does
    Reports columns of type `timestamp` (`timestamp without time zone`, with or without a precision)
    among the columns the change adds or retypes.

    ## Why is this risky?
    `timestamp` stores a wall-clock reading with no zone: the same instant written by two servers or
    sessions in different zones gives different values, comparisons with `now()` shift by the session's
    offset, and daylight-saving changes make some readings ambiguous. `timestamptz` stores an instant
    and costs the same 8 bytes.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN shipped_at timestamp;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    ```

    ## Fix in Prisma
    Prisma maps `DateTime` to `timestamp(3)`: write `shippedAt DateTime @db.Timestamptz(3)`.

    ## Fix in Drizzle
    `timestamp("shipped_at", { withTimezone: true })`.
    """
    for touched, column in changed_columns(ctx):
        if column.type.startswith("timestamp") and column.type.endswith("without time zone"):
            yield schema_issue(
                ctx,
                touched.name,
                column.name,
                f"`{touched.name}.{column.name}` is `{column.type}`: it records no time zone, so the same "
                "instant reads differently across sessions and servers.",
                "use `timestamptz` (timestamp with time zone): same size, stores an instant",
            )
