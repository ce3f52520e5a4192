from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.base import Wrapping
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import commit_enum_value_first, invalid_leftover_caveat
from migration_reviewer.analyzers.knock_ons import blocked_migrations
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.replay_failures._extensions import fails_for_missing_extension
from migration_reviewer.analyzers.sql import fields, parse
from migration_reviewer.replay.result import Outcome, ReplayError

# Why a statement fails and what usually fixes it, by SQLSTATE.
_FIXES = {
    "25001": "run it outside a transaction: put it alone in a migration of its own, or turn the runner's "
    "transaction off for that migration (dbmate: `-- migrate:up transaction:false`)",
    "42P01": "the table does not exist at this point of the history: check the order of the migrations",
    "42703": "the column does not exist at this point of the history: check the order of the migrations",
    "42P07": "the object already exists: guard it with IF NOT EXISTS or check the history for a duplicate",
    "42710": "the object already exists: guard it with IF NOT EXISTS or check the history for a duplicate",
    "57014": "the statement ran past the statement timeout: batch the work or move it out of the migration",
    "42601": "fix the syntax error",
}
# "unsafe use of new value": an enum value used before the transaction that added it commits.
_UNSAFE_NEW_ENUM_VALUE = "55P04"


@rule("RP001", "migration-fails", Category.REPLAY, Severity.ERROR)
def migration_fails(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration of the change fails when it is replayed on top of the base history.

    ## What it does
    Replays the base history and then the change's migrations on a throwaway database, the way the
    framework's runner does (same order, same transaction wrapping), and reports the first statement the
    server rejects, with the server's message, the file and the line.

    ## Why is this risky?
    The runner stops at the same statement in production: the deploy fails half way, and where the runner
    does not wrap the migration in a transaction, the statements before it stay applied.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
    ALTER TABLE users ADD COLUMN nickname text;
    ```
    (two statements in one file that the runner sends as one transaction)

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
    ```
    (alone in its own migration)
    """
    runs = ctx.replay.runs if ctx.replay else []
    # A migration that fails on what a failed base migration would have made is that one's knock-on
    # (RP002 names it), not a failure of the change.
    blocked = blocked_migrations(ctx.replay)
    for run in runs:
        if run.outcome is not Outcome.FAILED or run.error is None or run.migration.id in blocked:
            continue
        if fails_for_missing_extension(ctx.replay, run.error):
            continue  # RP007: the review's server lacks the extension, not production
        undone = [
            other.migration.name
            for other in runs
            if other.outcome is Outcome.ROLLED_BACK and other is not run
        ]
        message = f"`{run.migration.name}` fails: {run.error.message}"
        if undone and run.migration.wrapping is Wrapping.BATCH:
            message += f" (the runner rolls back the whole batch, undoing {', '.join(undone)})"
        yield Issue(
            message=message,
            path=run.error.path,
            line=run.error.line,
            statement=run.error.statement,
            fix=_fix(run.error, ctx.migration_set.framework),
            confirmed_by_replay=True,
        )


def _fix(error: ReplayError, framework: str) -> str | None:
    if error.sqlstate == _UNSAFE_NEW_ENUM_VALUE:
        fix: str | None = commit_enum_value_first(framework)
    elif error.sqlstate == "42P07" and (index := _concurrent_index(error.statement)):
        fix = (
            "the index already exists: check the history for a duplicate (a guard does not make it safe: "
            f"{invalid_leftover_caveat(index)})"
        )
    else:
        fix = _FIXES.get(error.sqlstate or "")
    if error.detail:
        fix = f"{fix}. Server says: {error.detail}" if fix else f"Server says: {error.detail}"
    return fix


def _concurrent_index(statement: str | None) -> str | None:
    """The index a CREATE INDEX CONCURRENTLY names: guarding it with IF NOT EXISTS has a catch the fix
    must name."""
    tree = parse(statement) if statement else None
    body = fields(tree or {}, "IndexStmt")
    return str(body["idxname"]) if body.get("concurrent") and body.get("idxname") else None
