"""lint(sources, settings) -> Report: the rules over SQL files alone, without git, a database or a replay.

Kept apart from the pipeline, whose review path loads git, the servers and the replay: `lint` runs as a
pre-commit hook and in editors, once per save, so it loads only what it uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import PurePosixPath

from migration_reviewer import __version__
from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    SqlScript,
    Wrapping,
)
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext, RuleOptions, TableStats
from migration_reviewer.analyzers.registry import rule_options
from migration_reviewer.config import Settings
from migration_reviewer.errors import UsageError, first_line
from migration_reviewer.replay.result import SetReplay
from migration_reviewer.report.build import build_report
from migration_reviewer.report.model import Report


def lint(
    sources: Sequence[tuple[str, str]], settings: Settings, wrapping: Wrapping = Wrapping.NONE
) -> Report:
    """The rules over plain SQL files, without git or a replay: each (path, text) is one migration of
    one PostgreSQL set, wrapped in transactions as `wrapping` says, in the order given."""
    options = lint_rule_options(settings)
    migrations = tuple(
        Migration(
            id=path,
            name=PurePosixPath(path).stem,
            path=path,
            status=MigrationStatus.ADDED,
            up=(SqlScript(path, text),),
            wrapping=wrapping,
        )
        for path, text in sources
    )
    context = AnalysisContext(
        MigrationSet("", "sql", Dialect.POSTGRESQL, (), migrations),
        None,
        frozenset(path for path, _ in sources),
        options,
    )
    version = context.pg_version
    note = f"linted without a replay, for PostgreSQL {version}; transactions: {wrapping.value}"
    migration_set = dataclasses.replace(context.migration_set, notes=(note,))
    return build_report(
        tool_version=__version__,
        base="",
        head="",
        replays=[SetReplay(migration_set, provider="", server_version="", error="linted only")],
        findings=run_rules(context),
    )


def lint_rule_options(settings: Settings) -> RuleOptions:
    """The rules' view of the settings, with production's table sizes when --stats-from names a
    database."""
    production = production_stats(settings.stats_from) if settings.stats_from else {}
    return rule_options(settings, production)


# Sizes only: reltuples is the planner's row estimate, kept up to date by VACUUM and ANALYZE.
_TABLE_STATS = """
SELECT n.nspname, c.relname, greatest(c.reltuples, 0)::bigint, pg_table_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
"""


def production_stats(url: str) -> dict[str, TableStats]:
    """Row estimates and sizes of a production database's tables, read in a read-only transaction."""
    import psycopg  # not loaded at start-up: see replay_sets

    from migration_reviewer.replay.providers.base import mask_password

    try:
        with psycopg.connect(url, connect_timeout=10, options="-c default_transaction_read_only=on") as conn:
            conn.read_only = True
            rows = conn.execute(_TABLE_STATS).fetchall()
    except psycopg.Error as exc:
        message = mask_password(first_line(exc))
        raise UsageError(f"--stats-from: cannot read table sizes: {message}") from None
    return {
        (name if schema == "public" else f"{schema}.{name}"): TableStats(int(count), int(size))
        for schema, name, count, size in rows
    }
