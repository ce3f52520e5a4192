from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._declared import declared_drift
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.schema.supabase_types import parse_supabase_types


@rule("DR011", "generated-types-out-of-sync", Category.DRIFT, Severity.WARNING)
def generated_types_out_of_sync(ctx: AnalysisContext) -> Iterator[Issue]:
    """The generated `database.types.ts` no longer matches the schema the migrations build.

    ## What it does
    Reads the Supabase-generated types (`Database[schema]['Tables'][table]['Row']`) and compares their
    tables, columns and nullability (`| null`) with the replayed schema after the change. Differences the
    base branch already had are left out.

    ## Why is this risky?
    The application type-checks against the generated types: a column the migration adds is invisible to
    it, one it drops still type-checks and fails at run time, and a column made NOT NULL is still handled
    as nullable.

    ## Example
    A migration adds `profiles.website`, and `database.types.ts` is not regenerated.

    ## Use instead
    Regenerate the types in the same pull request:
    `supabase gen types typescript --local > database.types.ts`.
    """
    yield from declared_drift(
        ctx, "supabase-types", parse_supabase_types,
        "regenerate the types: `supabase gen types typescript --local > <file>` and commit them",
    )
