from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.drift._problems import problems
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR008", "invalid-migration-set", Category.DRIFT, Severity.ERROR)
def invalid_migration_set(ctx: AnalysisContext) -> Iterator[Issue]:
    """The framework's own files describe something impossible.

    ## What it does
    Reports a journal that is not valid JSON, a dbmate file without `-- migrate:up`, an unsupported
    provider, and similar.

    ## Why is this risky?
    The runner cannot start, so no migration in the folder is applied.

    ## Example
    A `meta/_journal.json` left with merge-conflict markers.

    ## Use instead
    Resolve the conflict and regenerate the journal with the framework's tool.
    """
    yield from problems(ctx, ProblemKind.INVALID, "fix the file as the framework's documentation describes")
