from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("RP003", "replay-unavailable", Category.REPLAY, Severity.INFO)
def replay_unavailable(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration set could not be replayed at all, so only its files were reviewed.

    ## What it does
    Says why a set was not replayed (a dialect without a replay provider yet, a database that could not
    be reached) so that a quiet report is not mistaken for a clean one.

    ## Why is this risky?
    Without a replay, failures that only a real server shows (a missing table, an impossible cast, a
    statement that cannot run in a transaction) go unnoticed.

    ## Example
    A MySQL migration folder reviewed before MySQL replay is configured.

    ## Use instead
    Point the review at a server of that dialect (`--database url --database-url mysql://…`).
    """
    if ctx.replay is not None and ctx.replay.error:
        yield Issue(
            message=f"`{ctx.migration_set.root or '.'}` was not replayed: {ctx.replay.error}",
            path=ctx.migration_set.root or None,
        )
