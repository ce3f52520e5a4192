"""The pull-request comment (also the job summary): Markdown from the packaged Jinja2 template."""

from __future__ import annotations

from collections import Counter

from migration_reviewer.renderers.jinja import load_template
from migration_reviewer.report.model import Report

MARKER = "<!-- migration-reviewer:comment -->"

DIALECT_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}
SEVERITY_ICONS = {"error": "🛑", "warning": "⚠️", "info": "ℹ️"}
OUTCOME_LABELS = {
    "applied": "✅ applied",
    "failed": "❌ failed",
    "rolled-back": "↩️ rolled back",
    "not-run": "⏭️ not run",
    "not-replayed": "— not replayed",
}
VERDICT_LINES = {
    "pass": "✅ **Migrations look safe**",
    "warn": "⚠️ **Migrations need a careful look**",
    "fail": "🛑 **Migrations will cause trouble**",
}


def render(report: Report, template: str | None = None) -> str:
    kinds = Counter(change.kind for s in report.migration_sets for change in s.schema_changes)
    return load_template("comment.md.j2", template).render(
        report=report,
        marker=MARKER,
        verdict_line=VERDICT_LINES[report.verdict.value],
        dialect_names=DIALECT_NAMES,
        severity_icons=SEVERITY_ICONS,
        outcome_labels=OUTCOME_LABELS,
        change_counts=kinds,
        errors=report.count_by("error"),
        warnings=report.count_by("warning"),
    )
