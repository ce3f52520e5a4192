"""The pull-request comment and the job summary: Markdown from the packaged Jinja2 template.

Both have a size limit (GitHub refuses a comment over 65,536 characters; the runner drops a step summary
over 1 MiB). The report is rendered at the most detailed level that fits: each level folds more detail
(the SQL of each finding, then the per-finding details and the schema tables, then all but the first rows
of each table), so a table is shortened by whole rows, never cut in the middle.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.renderers import escape, mermaid
from migration_reviewer.renderers.jinja import FIELD_LIMIT, clip, load_template
from migration_reviewer.replay.result import LockTaken
from migration_reviewer.report.model import Report

MARKER = "<!-- migration-reviewer:comment -->"
DIGEST = re.compile(r"<!-- migration-reviewer:digest ([0-9a-f]{16}) -->")
_TIMINGS = re.compile(r"<1 ms|\b\d+(?:\.\d+)? (?:ms|s)\b")
COMMENT_LIMIT = 65_000  # characters, a margin under GitHub's 65,536
SUMMARY_LIMIT = 1_000_000  # bytes, a margin under the runner's 1 MiB per step

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
    "incomplete": "⏸️ **Not reviewed: the base history does not replay here**",
}
# What other sessions wait for while a statement holds the lock, strongest first. Weaker modes (row
# locks, ACCESS SHARE) block only schema changes, which is not news for a migration.
LOCK_BLOCKS = {
    "AccessExclusiveLock": "all reads and writes of the table",
    "ExclusiveLock": "all writes; reads go on",
    "ShareRowExclusiveLock": "all writes and other schema changes; reads go on",
    "ShareLock": "all writes (INSERT, UPDATE, DELETE); reads go on",
    "ShareUpdateExclusiveLock": "schema changes, VACUUM and ANALYZE; reads and writes go on",
}
DIAGRAM_FOLD_TABLES = 8  # a diagram with more tables than this starts folded
SUPPRESS_HINT = "`-- migration-reviewer: ignore <rule> <reason>` on the line before the statement"


@dataclass(frozen=True)
class Fold:
    """How much of the report a rendering shows. Templates read these fields."""

    level: int  # 3 everything … 0 the verdict, counts and the first findings
    sql: bool  # the statement of each finding
    details: bool  # the collapsed per-finding details
    schema_table: bool  # every schema change as a row (else counts per kind)
    diagram: bool
    rows: int  # at most this many rows per table; the rest are counted in a last row

    @property
    def folded(self) -> bool:
        return self.level < 3


FOLDS = (
    Fold(3, sql=True, details=True, schema_table=True, diagram=True, rows=5_000),
    Fold(2, sql=False, details=True, schema_table=True, diagram=True, rows=500),
    Fold(1, sql=False, details=False, schema_table=False, diagram=False, rows=50),
    Fold(0, sql=False, details=False, schema_table=False, diagram=False, rows=10),
)


@dataclass(frozen=True)
class Risk:
    """A finding with what the replay measured for its statement."""

    finding: Finding
    lock: str | None = None  # the strongest lock mode the statement took on a table
    relation: str | None = None
    blocks: str | None = None
    duration_ms: float | None = None
    hold_ms: float | None = None  # from the statement until its transaction ended


def render(
    report: Report,
    template: str | None = None,
    *,
    summary: bool = False,
    limit: int | None = None,
    measure: Callable[[str], int] = len,
) -> str:
    """The comment (or, with `summary`, the job summary) at the most detailed level under `limit`."""
    compiled = load_template("comment.md.j2", template)
    context = _context(report)
    for fold in FOLDS:
        text = compiled.render(context, fold=fold, summary=summary)
        if limit is None or measure(text) <= limit:
            return text
    # Only an override template that prints unbounded text gets here: say so rather than cut.
    short = f"{MARKER}\n## {VERDICT_LINES[report.verdict.value]}\n\nThe report is too long for a comment."
    return short + " The job summary of the workflow run has it.\n"


def render_comment(report: Report, template: str | None = None) -> str:
    """The comment, starting with the marker that finds it again on the next run (whatever an override
    template printed) and a digest of what it says apart from timings, which vary from run to run: a
    re-run that found the same thing need not edit the comment."""
    # The marker and digest lines are put in front afterwards: the body leaves room for them.
    room = COMMENT_LIMIT - len(_head("0" * 16))
    body = render(report, template, limit=room).removeprefix(MARKER).lstrip("\n")
    digest = hashlib.sha256(_TIMINGS.sub("", body).encode()).hexdigest()[:16]
    return _head(digest) + body


def _head(digest: str) -> str:
    return f"{MARKER}\n<!-- migration-reviewer:digest {digest} -->\n"


def render_summary(report: Report, template: str | None = None) -> str:
    return render(
        report, template, summary=True, limit=SUMMARY_LIMIT, measure=lambda text: len(text.encode())
    )


def review_comment(finding: Finding) -> str:
    """The text of a line comment on the finding's statement."""
    icon = SEVERITY_ICONS[finding.severity.value]
    text = f"{icon} {escape.code(finding.rule)} {escape.text(finding.name)}: "
    text += escape.message(clip(finding.message, FIELD_LIMIT))
    if finding.fix:
        text += f"\n\n**Fix:** {escape.message(clip(finding.fix, FIELD_LIMIT))}"
    return text


def _context(report: Report) -> dict[str, Any]:
    """What the template sees besides `fold` and `summary`."""
    kinds = Counter(change.kind for s in report.migration_sets for change in s.schema_changes)
    return dict(
        report=report,
        marker=MARKER,
        verdict_line=VERDICT_LINES[report.verdict.value],
        dialect_names=DIALECT_NAMES,
        severity_icons=SEVERITY_ICONS,
        outcome_labels=OUTCOME_LABELS,
        change_counts=kinds,
        schema_summary=schema_summary(kinds),
        risks=risks(report),
        diagrams={s.path: mermaid.er_diagram(s.tables) for s in report.migration_sets},
        diagram_fold_tables=DIAGRAM_FOLD_TABLES,
        errors=report.count_by("error"),
        warnings=report.count_by("warning"),
        suppress_hint=SUPPRESS_HINT,
    )


# Rows of the schema summary: the object and the kinds counted as added, changed and dropped.
_SUMMARY_ROWS = {
    "tables": ("table_added", ("table_renamed", "partition_attached", "partition_detached"), "table_dropped"),
    "columns": (
        "column_added",
        (
            "column_renamed",
            "column_type_changed",
            "column_nullability_changed",
            "column_default_changed",
            "column_identity_changed",
            "column_generated_changed",
        ),
        "column_dropped",
    ),
    "indexes": ("index_added", ("index_renamed",), "index_dropped"),
    "constraints": (
        "constraint_added",
        ("constraint_renamed", "constraint_validated", "constraint_changed"),
        "constraint_dropped",
    ),
    "views": ("view_added", ("view_renamed", "view_changed"), "view_dropped"),
    "enums": ("enum_added", ("enum_value_added", "enum_value_removed"), "enum_dropped"),
    "functions": ("function_added", ("function_changed",), "function_dropped"),
    "triggers": ("trigger_added", ("trigger_changed",), "trigger_dropped"),
    "policies": ("policy_added", ("policy_changed", "rls_enabled", "rls_disabled"), "policy_dropped"),
}


def schema_summary(kinds: Counter[str]) -> list[tuple[str, int, int, int]]:
    """(object, added, changed, dropped) for each kind of object the change touched."""
    rows = []
    for name, (added, changed, dropped) in _SUMMARY_ROWS.items():
        row = (name, kinds[added], sum(kinds[k] for k in changed), kinds[dropped])
        if any(row[1:]):
            rows.append(row)
    return rows


def risks(report: Report) -> list[Risk]:
    """One per finding, most severe first (the report's order), with the lock its statement took."""
    runs = {
        (run.statement.path, run.statement.line): run
        for s in report.migration_sets
        for m in s.migrations
        for run in m.statements
    }
    result = []
    for finding in report.findings:
        run = runs.get((finding.path or "", finding.line or 0))
        if run is None:
            result.append(Risk(finding))
            continue
        strongest = _strongest(run.locks)
        result.append(
            Risk(
                finding,
                lock=strongest.mode if strongest else None,
                relation=strongest.relation if strongest else None,
                blocks=LOCK_BLOCKS[strongest.mode] if strongest else None,
                duration_ms=run.duration_ms,
                hold_ms=run.lock_hold_ms if strongest else None,
            )
        )
    return result


def _strongest(locks: Iterable[LockTaken]) -> LockTaken | None:
    order = list(LOCK_BLOCKS)
    ranked = [lock for lock in locks if lock.mode in LOCK_BLOCKS]
    return min(ranked, key=lambda lock: order.index(lock.mode), default=None)
