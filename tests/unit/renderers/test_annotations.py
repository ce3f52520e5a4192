"""Workflow-command annotations: escaped, within the runner's per-step limits, on changed files only."""

from __future__ import annotations

from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.renderers.annotations import render
from report_samples import PATH, finding, report


def test_an_annotation_names_the_file_line_and_rule_with_properties_escaped() -> None:
    odd = "db/migrations/003_a,b:c.sql"
    lines = render(report((finding("line one\nline two 100%", path=odd, line=4, fix=None),)), {odd})

    assert lines == [
        "::error file=db/migrations/003_a%2Cb%3Ac.sql,line=4,title=RP001 migration-fails"
        "::line one%0Aline two 100%25"
    ]


def test_only_findings_on_lines_of_changed_files_are_annotated() -> None:
    findings = (finding(path="db/old.sql"), finding(line=None), finding(line=5))

    lines = render(report(findings), {PATH})

    assert len(lines) == 1 and "line=5" in lines[0]


def test_past_ten_of_a_kind_the_last_annotation_counts_the_rest() -> None:
    errors = tuple(finding(f"error {n}", line=n, fix=None) for n in range(1, 26))
    warnings = tuple(finding(f"warning {n}", line=n, severity=Severity.WARNING) for n in range(1, 4))

    lines = render(report(errors + warnings), {PATH})

    error_lines = [line for line in lines if line.startswith("::error")]
    assert len(error_lines) == 10
    assert error_lines[0].endswith("::error 1")
    assert error_lines[-1] == "::error::16 more error findings: the job summary lists them all"
    assert len([line for line in lines if line.startswith("::warning")]) == 3
