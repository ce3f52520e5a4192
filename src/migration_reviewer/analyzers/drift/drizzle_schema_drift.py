from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._declared import declared_drift
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.schema.drizzle_schema import parse_drizzle


@rule("DR010", "drizzle-schema-drift", Category.DRIFT, Severity.WARNING)
def drizzle_schema_drift(ctx: AnalysisContext) -> Iterator[Issue]:
    """The Drizzle schema file and the migrations disagree after the change.

    ## What it does
    Where the schema file that `drizzle.config` names declares its tables with plain
    `pgTable("name", { … })` / `sqliteTable` / `mysqlTable` calls, compares their tables, columns and
    `.notNull()` with the replayed migrations. Differences the base branch already had are left out.

    ## Why is this risky?
    drizzle-orm builds its queries from the schema file, the database gets the migrations: a column in one
    but not the other fails at run time, and the next `drizzle-kit generate` writes a migration nobody
    reviewed.

    ## Example
    `nickname: text("nickname")` added to `users` in schema.ts without running `drizzle-kit generate`.

    ## Use instead
    Run `drizzle-kit generate` and commit the schema and the new migration together.
    """
    yield from declared_drift(
        ctx, "drizzle", parse_drizzle,
        "run `drizzle-kit generate` so the schema file and the migrations agree, and commit both",
    )
