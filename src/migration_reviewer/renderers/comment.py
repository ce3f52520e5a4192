"""The pull-request comment and the job summary: Markdown from the packaged Jinja2 template.

The comment is read in a minute: a short summary on top (what happens in production if this merges, what
to do first), then the findings under each migration file (its path once, each line a link to the file at
the head commit, the detail folded). It stays under 20,000 characters (GitHub refuses 65,536): the report
is rendered at the most detailed level that fits, each level folding more (the SQL of each finding, then
the per-finding details and the schema tables, then all but the first rows of each list), so a table is
shortened by whole rows, never cut in the middle; what is left out is in the job summary (1 MiB) and the
JSON report, and the comment says so.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from migration_reviewer.analyzers.finding import Finding, Severity
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import find_rule
from migration_reviewer.renderers import escape, mermaid
from migration_reviewer.renderers.jinja import FIELD_LIMIT, clip, format_ms, load_template
from migration_reviewer.replay.result import LockTaken
from migration_reviewer.report.model import Report

MARKER = "<!-- migration-reviewer:comment -->"
DIGEST = re.compile(r"<!-- migration-reviewer:digest ([0-9a-f]{16}) -->")
_TIMINGS = re.compile(r"<1 ms|\b\d+(?:\.\d+)? (?:ms|s)\b")
COMMENT_LIMIT = 20_000  # characters: a comment read in a minute (GitHub refuses over 65,536)
TYPICAL_COMMENT = 10_000  # folded SQL and schema tables give way first to stay under this
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
    "incomplete": "⏸️ **Not fully reviewed: some migrations could not run here**",
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
# In a Python migration, the directive is a Python comment above the `op.` call.
PYTHON_SUPPRESS_HINT = "`# migration-reviewer: ignore <rule> <reason>` on the line before the `op.` call"
# Rules whose advice is a setting for the whole migration: one line per file, not a finding per statement.
TIMEOUT_RULES = ("LK022", "LK023")
LINKED_LINES = 5  # lines of one finding named (and linked) in its entry; its folded detail lists them all
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
_SERVER = re.compile(r"https://[A-Za-z0-9.-]{1,200}(:[0-9]{1,5})?")


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
    Fold(1, sql=False, details=True, schema_table=False, diagram=False, rows=50),
    Fold(0, sql=False, details=False, schema_table=False, diagram=False, rows=20),
    Fold(0, sql=False, details=False, schema_table=False, diagram=False, rows=5),
)


@dataclass(frozen=True)
class Place:
    """One statement a finding covers, as the comment shows it."""

    line: int | None
    url: str | None  # the line in the file at the head commit; None when there is no repository to link
    table: str | None = None
    lock: str | None = None  # "ACCESS EXCLUSIVE"
    blocks: str | None = None  # what application traffic does meanwhile, in words
    duration_ms: float | None = None


@dataclass(frozen=True)
class Risk:
    """A finding with what the replay measured for its statements."""

    finding: Finding
    lock: str | None = None  # the strongest lock mode the first statement took on a table
    relation: str | None = None
    blocks: str | None = None
    duration_ms: float | None = None
    hold_ms: float | None = None  # from the statement until its transaction ended
    headline: str = ""  # what the rule finds, in one sentence
    places: tuple[Place, ...] = ()


@dataclass(frozen=True)
class FileRisks:
    """The findings of one migration file (path None: about a whole folder or the change)."""

    path: str | None
    url: str | None
    risks: list[Risk] = field(default_factory=list)
    timeouts: list[Risk] = field(default_factory=list)  # LK022/LK023: one line for the file

    @property
    def worst(self) -> int:
        return max((r.finding.severity.rank for r in (*self.risks, *self.timeouts)), default=-1)


def blob_url(server_url: str, repository: str, head: str) -> str | None:
    """Where the files of the head commit are on GitHub (`https://github.com/o/r/blob/<sha>`), or None
    when any part is not what the runner gives (a working tree has no commit to link to)."""
    server_url = server_url.rstrip("/")
    if not (_SERVER.fullmatch(server_url) and _REPOSITORY.fullmatch(repository)):
        return None
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", head):
        return None
    return f"{server_url}/{repository}/blob/{head}"


def line_url(blob: str | None, path: str | None, line: int | None = None) -> str | None:
    if blob is None or not path:
        return None
    return f"{blob}/{quote(path, safe='/')}" + (f"#L{line}" if line else "")


def render(
    report: Report,
    template: str | None = None,
    *,
    summary: bool = False,
    limit: int | None = None,
    measure: Callable[[str], int] = len,
    blob: str | None = None,
) -> str:
    """The comment (or, with `summary`, the job summary) at the most detailed level under `limit`.
    `blob` (see blob_url) makes each line number a link to the file at the head commit."""
    compiled = load_template("comment.md.j2", template)
    context = _context(report, blob)
    rendered: dict[int, str] = {}
    # First the most detailed rendering that keeps every finding's detail within the typical size
    # (a comment is read, not scrolled), then the most detailed one under the limit.
    targets: list[tuple[int | None, bool]] = []
    if limit is not None and not summary:
        targets = [(min(limit, TYPICAL_COMMENT), True), (limit, False)]
    for target, with_details in targets or [(limit, False)]:
        for index, fold in enumerate(FOLDS):
            if with_details and not fold.details:
                break
            if index not in rendered:
                rendered[index] = compiled.render(context, fold=fold, summary=summary)
            if target is None or measure(rendered[index]) <= target:
                return rendered[index]
    # Only an override template that prints unbounded text gets here: say so rather than cut.
    short = f"{MARKER}\n## {VERDICT_LINES[report.verdict.value]}\n\nThe report is too long for a comment."
    return short + " The job summary of the workflow run has it.\n"


def render_comment(report: Report, template: str | None = None, *, blob: str | None = None) -> str:
    """The comment, starting with the marker that finds it again on the next run (whatever an override
    template printed) and a digest of what it says apart from timings, which vary from run to run: a
    re-run that found the same thing need not edit the comment."""
    # The marker and digest lines are put in front afterwards: the body leaves room for them.
    room = COMMENT_LIMIT - len(_head("0" * 16))
    body = render(report, template, limit=room, blob=blob).removeprefix(MARKER).lstrip("\n")
    digest = hashlib.sha256(_TIMINGS.sub("", body).encode()).hexdigest()[:16]
    return _head(digest) + body


def _head(digest: str) -> str:
    return f"{MARKER}\n<!-- migration-reviewer:digest {digest} -->\n"


def render_summary(report: Report, template: str | None = None, *, blob: str | None = None) -> str:
    return render(
        report,
        template,
        summary=True,
        limit=SUMMARY_LIMIT,
        measure=lambda text: len(text.encode()),
        blob=blob,
    )


def suppress_hint(report: Report) -> str:
    """How to accept a finding, in the comment syntax of the files the findings are in."""
    python = {f.path.endswith(".py") for f in report.findings if f.path}
    if python == {True}:
        return PYTHON_SUPPRESS_HINT
    if python == {True, False}:
        return f"{SUPPRESS_HINT} (in Python migrations, {PYTHON_SUPPRESS_HINT})"
    return SUPPRESS_HINT


def review_comment(finding: Finding) -> str:
    """The text of a line comment on the finding's statement."""
    icon = SEVERITY_ICONS[finding.severity.value]
    text = f"{icon} {escape.code(finding.rule)} {escape.text(finding.name)}: "
    text += escape.message(clip(finding.message, FIELD_LIMIT))
    if finding.fix:
        text += f"\n\n**Fix:** {escape.message(clip(finding.fix, FIELD_LIMIT))}"
    return text


def _context(report: Report, blob: str | None = None) -> dict[str, Any]:
    """What the template sees besides `fold` and `summary`."""
    kinds = Counter(change.kind for s in report.migration_sets for change in s.schema_changes)
    all_risks = risks(report, blob)
    impact, first_steps = production_summary(report)
    return dict(
        report=report,
        marker=MARKER,
        verdict_line=VERDICT_LINES[report.verdict.value],
        dialect_names=DIALECT_NAMES,
        severity_icons=SEVERITY_ICONS,
        outcome_labels=OUTCOME_LABELS,
        change_counts=kinds,
        schema_summary=schema_summary(kinds),
        risks=all_risks,
        files=files_of(all_risks, blob),
        impact=impact,
        first_steps=first_steps,
        timeout_rules=TIMEOUT_RULES,
        linked_lines=LINKED_LINES,
        diagrams={s.path: mermaid.er_diagram(s.tables) for s in report.migration_sets},
        diagram_fold_tables=DIAGRAM_FOLD_TABLES,
        errors=report.count_by("error"),
        warnings=report.count_by("warning"),
        suppress_hint=suppress_hint(report),
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


def risks(report: Report, blob: str | None = None) -> list[Risk]:
    """One per finding, most severe first (the report's order), with the lock each statement took."""
    runs = {
        (run.statement.path, run.statement.line): run
        for s in report.migration_sets
        for m in s.migrations
        for run in m.statements
    }
    result = []
    for finding in report.findings:
        headline = _headline(finding)
        run = runs.get((finding.path or "", finding.line or 0))
        places = tuple(_places(finding, runs, blob))
        if run is None:
            result.append(Risk(finding, headline=headline, places=places))
            continue
        strongest = _strongest(run.locks)
        mode = LockMode.from_pg_locks(strongest.mode) if strongest else None
        result.append(
            Risk(
                finding,
                lock=mode.label if mode else None,
                relation=strongest.relation if strongest else None,
                blocks=LOCK_BLOCKS[strongest.mode] if strongest else None,
                duration_ms=run.duration_ms,
                hold_ms=run.lock_hold_ms if strongest else None,
                headline=headline,
                places=places,
            )
        )
    return result


def _headline(finding: Finding) -> str:
    """What the rule finds in one sentence (its documentation's first paragraph); a report from another
    version of the tool may name a rule this one lacks: then the finding's own name."""
    spec = find_rule(finding.rule)
    return (spec.headline if spec is not None else finding.name.replace("-", " ").capitalize()).rstrip(".")


def _places(finding: Finding, runs: dict[tuple[str, int], Any], blob: str | None) -> Iterable[Place]:
    locations = finding.locations
    if not locations:
        if finding.path is None:
            return
        run = runs.get((finding.path, finding.line or 0))
        strongest = _strongest(run.locks) if run is not None else None
        mode = LockMode.from_pg_locks(strongest.mode) if strongest else None
        yield Place(
            finding.line,
            line_url(blob, finding.path, finding.line),
            finding.table,
            mode.label if mode else None,
            mode.blocks if mode else None,
            run.duration_ms if run is not None else None,
        )
        return
    for loc in locations:
        mode = LockMode.__members__.get((loc.lock or "").replace(" ", "_"))
        yield Place(
            loc.line,
            line_url(blob, loc.path, loc.line),
            loc.table,
            loc.lock,
            mode.blocks if mode else None,
            loc.duration_ms,
        )


def files_of(all_risks: list[Risk], blob: str | None) -> list[FileRisks]:
    """The findings under each file they are in, the file with the most severe finding first; findings
    about a whole folder come last."""
    by_path: dict[str | None, FileRisks] = {}
    for risk in all_risks:
        path = risk.finding.path
        group = by_path.setdefault(path, FileRisks(path, line_url(blob, path)))
        (group.timeouts if risk.finding.rule in TIMEOUT_RULES else group.risks).append(risk)
    ordered = list(by_path.values())
    return sorted(ordered, key=lambda g: (g.path is None, -g.worst))


def production_summary(report: Report) -> tuple[list[str], list[str]]:
    """(what happens in production if this merges, what to do before merging), as Markdown sentences
    built from the findings that need weighing (warnings and errors); both empty when none do. Every
    repository string in them is escaped here."""
    weighed = [f for f in report.findings if f.severity is not Severity.INFO]
    impact: list[str] = []
    failing = [f for f in weighed if f.category.value == "replay" and f.severity is Severity.ERROR]
    if failing:
        paths = sorted({f.path for f in failing if f.path})
        verb = "fails" if len(paths) == 1 else "fail"
        impact.append(f"The deploy stops: {_names(paths, limit=3) or 'the migrations'} {verb} on the replay.")
    blocked, held_ms = _blocked_tables(report, weighed)
    reads = sorted(t for t, mode in blocked.items() if mode.blocks_reads)
    writes = sorted(t for t, mode in blocked.items() if not mode.blocks_reads)
    longest = f", up to {format_ms(held_ms)} in the replay" if held_ms else ""
    if reads:
        impact.append(f"Reads and writes of {_names(reads)} wait while it holds ACCESS EXCLUSIVE{longest}.")
    if writes:
        impact.append(f"Writes to {_names(writes)} wait while the migration runs; reads go on.")
    if not blocked and any(f.category.value == "lock" for f in weighed):
        named = sorted({f.table for f in weighed if f.category.value == "lock" and f.table})
        impact.append(f"Traffic on {_names(named) or 'the changed tables'} waits while the migration runs.")
    for category, words in _IMPACT.items():
        found = [f for f in weighed if f.category.value == category]
        if found:
            tables = _names(sorted({f.table for f in found if f.table}), limit=3) or "the changed tables"
            codes = ", ".join(escape.code(code) for code in sorted({f.rule for f in found}))
            impact.append(f"{words.format(tables=tables)} ({codes}).")
    steps: list[str] = []
    seen: set[str] = set()
    for f in weighed:  # most severe first: the report's order
        if f.fix and f.fix not in seen:
            seen.add(f.fix)
            steps.append(f"{escape.message(clip(f.fix, FIELD_LIMIT))} ({escape.code(f.rule)})")
    if len(steps) > FIRST_STEPS:
        rest = len(steps) - FIRST_STEPS
        steps[FIRST_STEPS:] = [f"and {rest} more fix{'es' if rest > 1 else ''} below"]
    return impact, steps


FIRST_STEPS = 3
_IMPACT = {
    "drift": "The migration history does not match what the framework's runner expects",
    "backfill": "The rows already in {tables} are at stake: the change fails on them, rewrites or loses them",
    "rollback": "A rollback cannot bring back everything of {tables}",
    "security": "Who can read or write {tables} changes",
    "schema": "The schema it leaves has problems in {tables}",
}


def _blocked_tables(report: Report, weighed: list[Finding]) -> tuple[dict[str, LockMode], float]:
    """Tables that existed before the change whose traffic waits on the change's locks (the strongest
    lock on each: what the replay saw, else what the lock findings say), and the longest the replay
    held such a lock; nothing when no lock finding needs weighing."""
    lock_findings = [f for f in weighed if f.category.value == "lock"]
    if not lock_findings:
        return {}, 0.0
    blocked: dict[str, LockMode] = {}
    held_ms = 0.0

    def take(table: str, mode: LockMode | None) -> None:
        if mode is not None and mode.blocks_writes:
            blocked[table] = max(mode, blocked.get(table, mode))

    created = {c.table for s in report.migration_sets for c in s.schema_changes if c.kind == "table_added"}
    for migration in (m for s in report.migration_sets for m in s.migrations if m.status != "base"):
        for run in migration.statements:
            for lock in run.locks:
                mode = LockMode.from_pg_locks(lock.mode)
                if lock.relkind == "table" and lock.relation not in created and mode and mode.blocks_writes:
                    take(lock.relation, mode)
                    held_ms = max(held_ms, run.lock_hold_ms or run.duration_ms)
    for f in lock_findings:
        for loc in f.locations:
            if loc.table and loc.table not in created:
                take(loc.table, LockMode.__members__.get((loc.lock or "").replace(" ", "_")))
    return blocked, held_ms


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(escape.code(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _strongest(locks: Iterable[LockTaken]) -> LockTaken | None:
    order = list(LOCK_BLOCKS)
    ranked = [lock for lock in locks if lock.mode in LOCK_BLOCKS]
    return min(ranked, key=lambda lock: order.index(lock.mode), default=None)
