"""What a rule sees: one migration set, what its replay observed, and which files the change touched."""

from __future__ import annotations

from dataclasses import dataclass

from migration_reviewer.adapters.base import MigrationSet
from migration_reviewer.replay.result import SetReplay


@dataclass(frozen=True)
class AnalysisContext:
    migration_set: MigrationSet
    replay: SetReplay
    changed_paths: frozenset[str] = frozenset()
