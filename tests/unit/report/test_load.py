"""Reading a JSON report back (the fork-safe publisher): faithful for our reports, strict for others."""

from __future__ import annotations

import json
from typing import Any

import pytest

from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.renderers import json as json_renderer
from migration_reviewer.renderers.comment import render_comment
from migration_reviewer.report.load import MAX_ITEMS, InvalidReport, load_report
from report_samples import finding, report


def _sample() -> dict[str, Any]:
    return json.loads(json_renderer.render(report((finding(), finding("slow", severity=Severity.WARNING)))))


def test_a_report_survives_the_round_trip_and_renders_the_same_comment() -> None:
    original = report((finding(), finding("slow", severity=Severity.WARNING, line=9)))
    raw = json_renderer.render(original).encode()

    loaded = load_report(raw)

    assert loaded.to_dict() == original.to_dict()
    assert render_comment(loaded) == render_comment(original)


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
