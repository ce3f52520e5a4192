"""Reading a JSON report back (the fork-safe publisher): faithful for our reports, strict for others."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.renderers.comment import render_comment
from migration_reviewer.replay.result import LockTaken, Outcome, StatementRun
from migration_reviewer.replay.statements import Statement
from migration_reviewer.report.load import MAX_ITEMS, InvalidReport, load_report
from report_samples import PATH, finding, report


def _sample() -> dict[str, Any]:
    return json.loads(json_renderer.render(report((finding(), finding("slow", severity=Severity.WARNING)))))


def test_a_report_survives_the_round_trip_and_renders_the_same_comment() -> None:
    original = report((finding(), finding("slow", severity=Severity.WARNING, line=9)))
    raw = json_renderer.render(original).encode()

    loaded = load_report(raw)

    assert loaded.to_dict() == original.to_dict()
    assert render_comment(loaded) == render_comment(original)


def test_the_locks_the_replay_saw_reach_the_comment_of_the_fork_safe_publisher() -> None:
    # The second stage of the fork workflow renders from the JSON report alone: the lock line must survive.
    statement = Statement("ALTER TABLE customers ADD COLUMN email text", PATH, 3, 3)
    lock = LockTaken("customers", "AccessExclusiveLock", "table")
    run = StatementRun(statement, Outcome.APPLIED, 4.2, True, (lock,), ("customers",), None, None, 180.0)
    original = report((finding(),))
    [migration_set] = original.migration_sets
    with_runs = replace(migration_set, migrations=(replace(migration_set.migrations[0], statements=(run,)),))
    original = replace(original, migration_sets=(with_runs,))

    loaded = load_report(json_renderer.render(original).encode())

    [loaded_run] = loaded.migration_sets[0].migrations[0].statements
    assert (loaded_run.statement.location, loaded_run.locks, loaded_run.rewrites) == (
        f"{PATH}:3",
        (lock,),
        ("customers",),
    )
    comment = render_comment(loaded)
    assert comment == render_comment(original)
    assert "**Lock:** ACCESS EXCLUSIVE on `customers`: reads and writes wait" in comment

    data = json.loads(json_renderer.render(original))
    data["migration_sets"][0]["migrations"][0]["statements"][0]["locks"][0]["mode"] = "Lock` [x](https://e.x)"
    with pytest.raises(InvalidReport, match="mode"):
        load_report(json.dumps(data).encode())


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("findings", 0, "rule"), "RP001` [x](https://evil.example) `"),  # printed as code: must be a code
        (("findings", 0, "severity"), "critical"),
        (("findings", 0, "line"), "3"),
        (("migration_sets", 0, "migrations", 0, "status"), "added<b>"),
        (("migration_sets", 0, "framework"), "golang migrate"),
        (("head",), "HEAD; rm -rf /"),
        (("schema_version",), 2),
    ],
)
def test_fields_printed_without_escaping_must_be_valid(where: tuple[Any, ...], value: Any) -> None:
    data = _sample()
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value

    with pytest.raises(InvalidReport):
        load_report(json.dumps(data).encode())


def test_sizes_are_capped() -> None:
    data = _sample()
    data["findings"] = data["findings"] * (MAX_ITEMS // 2 + 1)
    with pytest.raises(InvalidReport, match="at most"):
        load_report(json.dumps(data).encode())

    data = _sample()
    data["findings"][0]["message"] = "m" * 100_000
    assert len(load_report(json.dumps(data).encode()).findings[0].message) < 25_000


def test_not_json_is_a_clear_error() -> None:
    with pytest.raises(InvalidReport, match="not JSON"):
        load_report(b"<html>")
