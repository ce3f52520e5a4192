"""Runs the rules on SQL as `lint` does, or on a real replay when a case has a base schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    SqlScript,
    Wrapping,
)
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext, RuleChoice, RuleOptions, TableStats
from migration_reviewer.analyzers.finding import Finding, Severity
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.base import Server


def migration(index: int, sql: str, wrapping: Wrapping, status: MigrationStatus) -> Migration:
    path = f"migrations/{index:03d}_case.sql"
    return Migration(
        str(index), f"{index:03d}_case", path, status, (SqlScript(path, sql),), wrapping=wrapping
    )


def run_case(
    migrations: Sequence[str],
    *,
    setup: str | None = None,
    server: Server | None = None,
    wrapping: str = "none",
    framework: str = "plain-sql",
    platform: str | None = None,
    pg_version: int | None = None,
    table_rows: Mapping[str, int] | None = None,
    rules: Mapping[str, Any] | None = None,
    seed_rows: int = 1_000,
) -> list[Finding]:
    """The findings for `migrations` (one SQL text per migration file) on top of `setup` (replayed on
    `server` when given, else the SQL is linted)."""
    mode = Wrapping(wrapping)
    base = [migration(0, setup, mode, MigrationStatus.BASE)] if setup else []
    new = [migration(i + 1, sql, mode, MigrationStatus.ADDED) for i, sql in enumerate(migrations)]
    migration_set = MigrationSet(
        "migrations", framework, Dialect.POSTGRESQL, tuple(base), tuple(base + new), platform=platform
    )
    replay = None
    if setup is not None:
        assert server is not None, "a case with setup needs the server"
        replay = replay_set(migration_set, server, ReplayOptions(seed_rows=seed_rows, check_rollback=False))
    choices = {
        code: RuleChoice(
            enabled=choice != "off", severity=Severity(choice) if choice not in ("off", None) else None
        )
        for code, choice in (rules or {}).items()
    }
    options = RuleOptions(
        pg_version=pg_version,
        production=MappingProxyType({t: TableStats(n) for t, n in (table_rows or {}).items()}),
        rules=MappingProxyType(choices),
    )
    return run_rules(AnalysisContext(migration_set, replay, frozenset(m.path for m in new), options))
