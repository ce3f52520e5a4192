from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._declared import declared_drift
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.schema.prisma_schema import parse_prisma


@rule("DR009", "prisma-schema-drift", Category.DRIFT, Severity.WARNING)
def prisma_schema_drift(ctx: AnalysisContext) -> Iterator[Issue]:
    """`schema.prisma` and the migrations disagree after the change.

    ## What it does
    Reads the models and fields of `schema.prisma` (a model is a table, a scalar or enum field a column,
    `?` nullable, `@map`/`@@map` names) and compares them with the tables and columns the replayed
    migrations build. Differences the base branch already had are left out.

    ## Why is this risky?
    Prisma Client is generated from `schema.prisma`, production gets the migrations. A model changed
    without a migration makes queries fail on a column that does not exist; a migration written by hand
    without the model leaves the client unaware of it, and the next `prisma migrate dev` generates a
    migration that undoes it.

    ## Example
    A field `nickname String?` added to `model User`, and no new migration folder.

    ## Use instead
    Run `prisma migrate dev --name add_nickname` and commit the schema and the generated migration together.
    """
    yield from declared_drift(
        ctx, "prisma", parse_prisma,
        "run `prisma migrate dev` so schema.prisma and the migrations agree, and commit both",
    )
