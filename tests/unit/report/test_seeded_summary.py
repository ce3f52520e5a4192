"""What the seeded replay filled reaches the JSON, the comment and the terminal; the JSON reads back."""

from __future__ import annotations

import dataclasses
import json

from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.renderers import terminal
from migration_reviewer.renderers.comment import render_comment
from migration_reviewer.report.load import load_report
from migration_reviewer.report.model import Report, SeededSummary
from report_samples import report

HOSTILE = "<img src=x onerror=alert(1)>"


def _with(seeded: SeededSummary | None) -> Report:
    sample = report()
    return dataclasses.replace(
        sample, migration_sets=(dataclasses.replace(sample.migration_sets[0], seeded=seeded),)
    )


def test_a_table_the_seeder_could_not_fill_is_named_with_why_in_every_output() -> None:
    seeded = SeededSummary(
        {"customers": 10_000},
        {HOSTILE: "its CHECK constraint colour_check rejects every value generated for NOT NULL column c"},
    )
    sample = _with(seeded)

    data = json.loads(json_renderer.render(sample))
    assert data["migration_sets"][0]["seeded"] == {
        "tables": {"customers": 10_000},
        "skipped": {
            HOSTILE: "its CHECK constraint colour_check rejects every value generated for NOT NULL column c"
        },
    }
    assert load_report(json_renderer.render(sample).encode()).to_dict() == sample.to_dict()

    comment = render_comment(sample)
    assert "Seeded replay: rows in customers 10,000; not seeded: " in comment
    assert "rejects every value generated for NOT NULL column c" in comment and "<img" not in comment
    assert "Seeded replay: rows in customers 10,000; not seeded: " in terminal.render(sample, color=False)


def test_a_review_that_seeded_everything_keeps_the_comment_short_and_one_without_seeding_says_nothing() -> (
    None
):
    seeded_all = _with(SeededSummary({"customers": 10_000}, {}))
    assert "Seeded replay" not in render_comment(seeded_all)
    assert "Seeded replay: rows in customers 10,000." in terminal.render(seeded_all, color=False)

    unseeded = _with(None)
    assert "seeded" not in json.loads(json_renderer.render(unseeded))["migration_sets"][0]
    assert "Seeded replay" not in terminal.render(unseeded, color=False)
