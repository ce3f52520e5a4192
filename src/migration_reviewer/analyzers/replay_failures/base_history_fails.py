from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.knock_ons import RootCause, root_causes
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.replay_failures._extensions import fails_for_missing_extension
from migration_reviewer.wording import counted

# Later migrations named in the message, at most: the finding's knock-ons list them all.
_NAMED = 5

# Errors no server or platform explains: an object made twice, a type change with no cast, a syntax error.
# A fresh production deploy of the same files fails the same way.
_FAILS_EVERYWHERE = frozenset(
    {"42P07", "42710", "42701", "42723", "42P06", "42P04", "42804", "42846", "42601"}
)


@rule("RP002", "base-history-fails", Category.REPLAY, Severity.WARNING)
def base_history_fails(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration already on the base branch fails to replay on the throwaway database.

    ## What it does
    Reports each base migration the throwaway server rejects on its own, once, with the later migrations
    that fail only because of it (they use what it would have created): one finding per cause, not one
    per file. Where the change's own migrations are among them, they are not reviewed (the report's
    verdict is `incomplete`) instead of being blamed for the base.

    ## Why is this risky?
    Usually the throwaway server differs from production: an extension it lacks (PostGIS, pgcrypto), a
    role or schema that exists only there (a platform's), or another major version. Sometimes the history
    really is broken (a migration edited after it ran, tables the application made itself), and a fresh
    environment built from it fails the same way.

    ## Example
    ```sql
    CREATE EXTENSION postgis;
    ```

    ## Use instead
    Review on a server that matches production: `--database docker --postgres-image postgis/postgis:16-3.4`,
    `--database url` with a server you run, or `--pg-bin-dir` with the system's PostgreSQL binaries. Where
    the history does not replay from zero, start it from a schema dump (`baseline` in the configuration).
    """
    for cause in root_causes(ctx.replay):
        error = cause.run.error
        if error is None or fails_for_missing_extension(ctx.replay, error):
            continue  # RP007 says why, once, with the same knock-ons
        everywhere = error.sqlstate in _FAILS_EVERYWHERE
        message = (
            f"base migration `{cause.run.migration.name}` fails to replay here: {error.message}"
            + (
                " (this fails on any PostgreSQL: a fresh deploy of this history fails the same way; the "
                "migration was probably edited after it ran, or its objects were made by hand)"
                if everywhere
                else ""
            )
            + _consequence(cause)
        )
        yield Issue(
            message=message,
            path=error.path,
            line=error.line,
            statement=error.statement,
            fix="repair the history, or start it from a schema dump of production (`baseline` in the "
            "configuration)"
            if everywhere
            else "replay on a server like production's (--database docker/url, or --pg-bin-dir), or start "
            "the history from a schema dump (`baseline` in the configuration)",
            confirmed_by_replay=True,
            knock_ons=cause.reported(),
        )


def _consequence(cause: RootCause) -> str:
    later = cause.knock_ons
    if not later:
        return "; what follows is reviewed on an incomplete schema"
    names = ", ".join(f"`{run.migration.name}`" for run in later[:_NAMED])
    more = f" and {len(later) - _NAMED:,} more" if len(later) > _NAMED else ""
    changed = cause.changed_knock_ons
    blame = (
        f"; the change's {', '.join(f'`{run.migration.name}`' for run in changed)} "
        f"{'is' if len(changed) == 1 else 'are'} among them and could not be reviewed"
        if changed
        else ""
    )
    verb = "fails" if len(later) == 1 else "fail"
    return f"; {counted(len(later), 'later migration')} {verb} because of it ({names}{more}){blame}"

