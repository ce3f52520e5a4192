from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.replay_failures._extensions import fails_for_missing_extension


@rule("RP002", "base-history-fails", Category.REPLAY, Severity.WARNING)
def base_history_fails(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration already on the base branch fails to replay on the throwaway database.

    ## What it does
    Reports each base migration the throwaway server rejects. The change is then reviewed on top of an
    incomplete schema, so its own results may be wrong.

    ## Why is this risky?
    Usually the throwaway server differs from production: an extension it lacks (PostGIS, pgcrypto), a
    role or tablespace that exists only there, or another major version. Sometimes the history really is
    broken, and a fresh environment built from it fails the same way.

    ## Example
    ```sql
    CREATE EXTENSION postgis;
    ```

    ## Use instead
    Review on a server that matches production: `--database docker --postgres-image postgis/postgis:16-3.4`,
    `--database url` with a server you run, or `--pg-bin-dir` with the system's PostgreSQL binaries.
    """
    for run in ctx.replay.base_failures if ctx.replay else ():
        if run.error is None or fails_for_missing_extension(ctx.replay, run.error):
            continue  # RP006 says why, once
        yield Issue(
            message=f"base migration `{run.migration.name}` fails to replay here: {run.error.message}; "
            "what follows is reviewed on an incomplete schema",
            path=run.error.path,
            line=run.error.line,
            statement=run.error.statement,
            fix="replay on a server like production's (--database docker/url, or --pg-bin-dir)",
            confirmed_by_replay=True,
        )
