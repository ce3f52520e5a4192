"""The terminal report says where each base history came from: replayed, kept, or kept and brought up to
date with the base branch's newer migrations."""

from __future__ import annotations

import dataclasses

import pytest

from migration_reviewer.renderers import terminal
from report_samples import report


@pytest.mark.parametrize(
    ("cached", "replayed", "line"),
    [
        (False, 300, "base history: 300 migrations in 1.2 s"),
        (False, 1, "base history: 1 migration in 1.2 s"),
        (True, 0, "base history: 300 migrations kept from an earlier run"),
        (True, 2, "base history: 300 migrations, 298 kept from an earlier run, 2 replayed in 1.2 s"),
    ],
)
def test_the_base_history_line(cached: bool, replayed: int, line: str) -> None:
    sample = report()
    [migration_set] = sample.migration_sets
    migration_set = dataclasses.replace(
        migration_set,
        base_migration_count=replayed if not cached else 300,
        base_duration_ms=1234.0,
        base_cached=cached,
        base_replayed=replayed,
    )
    text = terminal.render(dataclasses.replace(sample, migration_sets=(migration_set,)), color=False)
    assert f"  {line}\n" in text
