from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.statements import ANALYSED_STATEMENT_CHARS


@rule("RP005", "statement-not-analysed", Category.REPLAY, Severity.INFO)
def statement_not_analysed(ctx: AnalysisContext) -> Iterator[Issue]:
    """A statement too large for the rules to read was replayed, but not analysed.

    ## What it does
    Names each statement of the change longer than a million characters (a data load: an `INSERT` of a
    million rows, a dump). The replay runs it like any other, so a failure, its time and the locks it
    takes are still reported; the rules, which read a statement's parse tree, pass over it, and this
    finding says so, so that a quiet report is not mistaken for a clean one.

    ## Why is this risky?
    The tree of a statement that size costs gigabytes of memory and minutes to build. Rules that would
    have read it (a lock taken, a table rewritten) are silent on it.

    ## Example
    A migration holding `INSERT INTO prices VALUES (…), (…), …` with four million rows.

    ## Use instead
    Load data of that size outside the schema migration (`COPY` from a file in a separate job, or batches
    that a deploy step runs), and keep the migration to the schema change.
    """
    for stmt in ctx.statements:
        if stmt.statement.too_large_to_analyse:
            size = len(stmt.statement.text) / 1_000_000
            yield Issue(
                message=f"a statement of {size:.1f} million characters was replayed, but the rules read "
                f"statements up to {ANALYSED_STATEMENT_CHARS / 1_000_000:g} million only: none of them "
                "looked at it",
                path=stmt.path,
                line=stmt.line,
                fix="load data of this size outside the schema migration (COPY in a separate job, or "
                "batches run by a deploy step)",
            )
