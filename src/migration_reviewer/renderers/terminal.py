"""Readable text for a terminal, coloured when the output is one."""

from __future__ import annotations

from migration_reviewer.renderers.escape import terminal as clean
from migration_reviewer.renderers.jinja import format_ms
from migration_reviewer.report.model import Report, SetReport
from migration_reviewer.wording import counted

_COLORS = {"red": "31", "yellow": "33", "green": "32", "blue": "34", "dim": "2", "bold": "1"}
_SEVERITY_COLOR = {"error": "red", "warning": "yellow", "info": "blue"}
_VERDICT = {
    "pass": ("green", "PASS  migrations look safe"),
    "warn": ("yellow", "WARN  migrations need a careful look"),
    "fail": ("red", "FAIL  migrations will cause trouble"),
    "incomplete": ("yellow", "INCOMPLETE  some migrations of the change could not run here"),
}
_OUTCOME_COLOR = {"applied": "green", "failed": "red", "rolled-back": "yellow", "not-run": "dim"}


def render(report: Report, *, color: bool = False) -> str:
    def paint(text: str, name: str) -> str:
        return f"\x1b[{_COLORS[name]}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    verdict_color, verdict_text = _VERDICT[report.verdict.value]
    lines.append(
        paint(verdict_text, verdict_color) + paint(f"   ({report.base[:12]} → {report.head[:12]})", "dim")
    )
    if not report.migration_sets:
        lines.append("No migration files changed.")
    for s in report.migration_sets:
        lines.append("")
        where = clean(s.path or ".")
        database = f"{s.provider} {s.dialect} {s.server_version}" if s.replayed else "not replayed"
        lines.append(paint(f"{where}", "bold") + f"  {s.framework} · {database}")
        if s.base_migration_count:
            history = f"  base history: {counted(s.base_migration_count, 'migration')}{_base_source(s)}"
            lines.append(paint(history, "dim"))
        for m in s.migrations:
            outcome = paint(f"{m.outcome:<11}", _OUTCOME_COLOR.get(m.outcome, "dim"))
            lines.append(f"  {outcome} {clean(m.path)}  [{m.status}, {format_ms(m.duration_ms)}]")
            if m.error:
                lines.append(
                    paint(
                        f"              {clean(m.error.path)}:{m.error.line}: {clean(m.error.message)}", "red"
                    )
                )
        if s.schema_changes:
            lines.append("  schema changes:")
            for c in s.schema_changes:
                target = ".".join(clean(p) for p in (c.table, c.name) if p)
                lines.append(f"    {c.kind:<28} {target}  {paint(clean(c.detail), 'dim')}")
        elif s.replayed:
            lines.append("  no schema change")
        if s.seeded is not None:
            lines.append(paint(f"  {clean(s.seeded.line())}", "dim"))
        for note in s.notes:
            lines.append(paint(f"  note: {clean(note)}", "dim"))
    if report.findings:
        lines.append("")
        lines.append(paint("Findings", "bold"))
        for f in report.findings:
            where = f"{clean(f.path)}:{f.line}" if f.path and f.line else clean(f.path or "")
            label = paint(f"{f.severity.value:<7}", _SEVERITY_COLOR[f.severity.value])
            lines.append(f"  {label} {f.rule} {f.name}  {where}")
            lines.append(f"          {clean(f.message)}")
            if f.fix:
                lines.append(paint(f"          fix: {clean(f.fix)}", "dim"))
    errors, warnings = report.count_by("error"), report.count_by("warning")
    lines.append("")
    lines.append(
        f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"
    )
    return "\n".join(lines) + "\n"


def _base_source(s: SetReport) -> str:
    if not s.base_cached:
        return f" in {format_ms(s.base_duration_ms)}"
    if not s.base_replayed:
        return " kept from an earlier run"
    kept, took = s.base_migration_count - s.base_replayed, format_ms(s.base_duration_ms)
    return f", {kept:,} kept from an earlier run, {s.base_replayed:,} replayed in {took}"
