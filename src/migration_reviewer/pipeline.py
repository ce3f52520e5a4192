"""review(settings) -> Report: the one place that calls every room, in order."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from migration_reviewer import __version__
from migration_reviewer.adapters import detect_sets, load_plan
from migration_reviewer.adapters.base import Dialect, MigrationSet
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.config import Settings
from migration_reviewer.discovery.changeset import ChangeSet, glob_match
from migration_reviewer.discovery.git import discover
from migration_reviewer.errors import ConfigError
from migration_reviewer.replay.engine import ReplayOptions, not_replayed, replay_set
from migration_reviewer.replay.providers import provider_from_settings
from migration_reviewer.replay.result import SetReplay
from migration_reviewer.report.build import build_report
from migration_reviewer.report.model import Report

Progress = Callable[[str], None]


def review(settings: Settings, progress: Progress | None = None) -> Report:
    say = progress or (lambda _message: None)
    changes = discover(settings.repo, settings.base, settings.head)
    sets = select_sets(changes, settings)
    replays = replay_sets(sets, settings, say)
    findings = [
        finding
        for migration_set, replay in zip(sets, replays, strict=True)
        for finding in run_rules(AnalysisContext(migration_set, replay, changes.changed_paths))
    ]
    return build_report(
        tool_version=__version__,
        base=changes.base_sha,
        head=changes.head_sha,
        replays=replays,
        findings=findings,
    )


def select_sets(changes: ChangeSet, settings: Settings) -> list[MigrationSet]:
    """The migration sets the change touches: the configured folders, else every detected one."""
    if settings.migrations:
        # Head's view wins where the two sides disagree (a folder converted to another framework).
        detected = {
            root: framework for framework, root in detect_sets(changes.base) + detect_sets(changes.head)
        }
        wanted = []
        for entry in settings.migrations:
            framework = entry.framework or detected.get(entry.path)
            if framework is None:
                raise ConfigError(
                    f"migrations: no framework recognised in '{entry.path}'",
                    hint='name it, e.g. migrations = ["golang-migrate:db/migrations"]',
                )
            wanted.append((framework, entry.path))
        plan = load_plan(changes, only=wanted)
        overrides = {entry.path: entry.dialect for entry in settings.migrations if entry.dialect}
    else:
        plan = load_plan(changes)
        overrides = {}
    selected = []
    for migration_set in plan.sets:
        if any(glob_match(migration_set.root, pattern) for pattern in settings.exclude):
            continue
        if migration_set.root in overrides:
            try:
                dialect = Dialect(overrides[migration_set.root])
            except ValueError:
                raise ConfigError(f"migrations: unknown dialect '{overrides[migration_set.root]}'") from None
            migration_set = dataclasses.replace(migration_set, dialect=dialect)
        if migration_set.touched or any(p.path in changes.changed_paths for p in migration_set.problems):
            selected.append(migration_set)
    return selected


def replay_sets(sets: Sequence[MigrationSet], settings: Settings, say: Progress) -> list[SetReplay]:
    replayable = [s for s in sets if s.dialect is Dialect.POSTGRESQL]
    if not replayable:
        return [not_replayed(s, f"replay of {s.dialect} migrations is not supported yet") for s in sets]
    provider = provider_from_settings(
        settings.database,
        url=settings.database_url,
        image=settings.postgres_image,
        bin_dir=settings.pg_bin_dir,
    )
    options = ReplayOptions(statement_timeout_ms=int(settings.statement_timeout * 1000))
    replays = []
    say(f"starting the {settings.database} PostgreSQL server")
    with provider.start() as server:
        for index, migration_set in enumerate(sets, 1):
            if migration_set.dialect is not Dialect.POSTGRESQL:
                replays.append(
                    not_replayed(
                        migration_set, f"replay of {migration_set.dialect} migrations is not supported yet"
                    )
                )
                continue
            say(f"replaying {migration_set.root or '.'} ({index}/{len(sets)})")
            replays.append(replay_set(migration_set, server, options))
    return replays
