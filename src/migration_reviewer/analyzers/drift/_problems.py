"""Turns the problems an adapter noticed while reading a migration set into issues."""

from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import ProblemKind
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Issue

# These are about the change by nature; the rest are reported only where the change touched the file, so a
# long-standing oddity on the base branch does not reappear on every pull request.
_ALWAYS = {ProblemKind.EDITED_APPLIED, ProblemKind.DELETED_APPLIED, ProblemKind.OUT_OF_ORDER}


def problems(ctx: AnalysisContext, kind: ProblemKind, fix: str) -> Iterator[Issue]:
    for problem in ctx.migration_set.problems:
        if problem.kind is kind and (kind in _ALWAYS or problem.path in ctx.changed_paths):
            yield Issue(message=problem.message, path=problem.path, line=problem.line, fix=fix)
