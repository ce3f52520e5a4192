"""The one report every output is rendered from. `to_dict()` is the versioned JSON contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.errors import EXIT_CLEAN, EXIT_FINDINGS
from migration_reviewer.replay.result import StatementRun
from migration_reviewer.schema.model import SchemaChange

SCHEMA_VERSION = 1


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    # A changed migration could not be reviewed on a complete base: the base history failed to replay
    # under it. Never a pass: it fails the check like an error unless fail-on is "never".
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class MigrationError:
    message: str
    path: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message, "path": self.path, "line": self.line}


@dataclass(frozen=True)
class MigrationEntry:
    id: str
    name: str
    path: str
    status: str  # added | modified | deleted | base
    applied: bool
    outcome: str  # applied | failed | rolled-back | not-run | not-replayed
    error: MigrationError | None
    duration_ms: float | None
    reversible: bool | None
    statements: tuple[StatementRun, ...] = ()  # as the replay ran them (the text stays in the files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "applied": self.applied,
            "outcome": self.outcome,
            "error": self.error.to_dict() if self.error else None,
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 1),
            "reversible": self.reversible,
            "statements": [statement_to_dict(run) for run in self.statements[:MAX_STATEMENTS]],
        }


# Statements of one migration in the JSON report, at most: past that, a migration is a data load, and the
# report would grow with it.
MAX_STATEMENTS = 1_000


def statement_to_dict(run: StatementRun) -> dict[str, Any]:
    """Where a statement is and what the replay saw it do: time, rows, the locks it took, the tables it
    rewrote. The text is left out: the file has it, and a data load would swell the report."""
    return {
        "path": run.statement.path,
        "line": run.statement.line,
        "end_line": run.statement.end_line,
        "outcome": run.outcome.value,
        "duration_ms": round(run.duration_ms, 1),
        "rows": run.rows,
        "in_transaction": run.in_transaction,
        "locks": [
            {"relation": lock.relation, "mode": lock.mode, "relkind": lock.relkind} for lock in run.locks
        ],
        "lock_hold_ms": None if run.lock_hold_ms is None else round(run.lock_hold_ms, 1),
        "rewrites": list(run.rewrites),
    }


@dataclass(frozen=True)
class ColumnView:
    name: str
    type: str
    keys: tuple[str, ...] = ()  # "PK", "FK", "UK"
    change: str | None = None  # added | changed | dropped; None: as it was


@dataclass(frozen=True)
class ReferenceView:
    """A foreign key, from the table that holds it to the table it references."""

    columns: tuple[str, ...]
    table: str
    change: str | None = None  # added | dropped
    optional: bool = True  # a nullable key: the row may reference nothing


@dataclass(frozen=True)
class TableView:
    """A table the change touches, or a foreign-key neighbour of one (change None): what the schema
    diagram draws."""

    name: str
    change: str | None  # added | changed | dropped | renamed
    columns: tuple[ColumnView, ...]
    references: tuple[ReferenceView, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "change": self.change,
            "columns": [
                {"name": c.name, "type": c.type, "keys": list(c.keys), "change": c.change}
                for c in self.columns
            ],
            "references": [
                {"columns": list(r.columns), "table": r.table, "change": r.change, "optional": r.optional}
                for r in self.references
            ],
        }


@dataclass(frozen=True)
class SeededSummary:
    """What the replay over synthetic rows filled: rows by table, and why a table got none."""

    tables: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"tables": dict(self.tables), "skipped": dict(self.skipped)}

    def line(self) -> str:
        """One line for a reader: what was filled, and what was not and why."""
        filled = ", ".join(f"{table} {rows:,}" for table, rows in self.tables.items())
        said = f"Seeded replay: rows in {filled}" if filled else "Seeded replay: no table could be filled"
        if self.skipped:
            said += "; not seeded: " + "; ".join(f"{t} ({why})" for t, why in self.skipped.items())
        return said + "."


@dataclass(frozen=True)
class SetReport:
    path: str
    framework: str
    dialect: str
    provider: str | None
    server_version: str | None
    migrations: tuple[MigrationEntry, ...]
    schema_changes: tuple[SchemaChange, ...]
    notes: tuple[str, ...] = ()
    replayed: bool = True
    base_migration_count: int = 0
    base_duration_ms: float = 0.0
    base_cached: bool = False  # the base history was kept from an earlier run, not replayed
    base_replayed: int = 0  # base migrations this run replayed: all, or those newer than the kept ones
    tables: tuple[TableView, ...] = ()
    # The schema dump the base history started from, and the migrations it includes; None: from empty.
    baseline_path: str | None = None
    baseline_versions: tuple[str, ...] = ()
    seeded: SeededSummary | None = None  # None: no replay over synthetic rows ran

    def to_dict(self) -> dict[str, Any]:
        seeded = {"seeded": self.seeded.to_dict()} if self.seeded is not None else {}
        return {
            "path": self.path,
            "framework": self.framework,
            "dialect": self.dialect,
            "database": {"provider": self.provider, "server_version": self.server_version},
            "baseline": None
            if self.baseline_path is None
            else {"path": self.baseline_path, "versions": list(self.baseline_versions)},
            "migrations": [m.to_dict() for m in self.migrations],
            "schema_changes": [
                {"kind": c.kind, "table": c.table, "name": c.name, "detail": c.detail}
                for c in self.schema_changes
            ],
            "tables": [t.to_dict() for t in self.tables],
            "replayed": self.replayed,
            "base_migrations": self.base_migration_count,  # added after schema_version 1 shipped
            "notes": list(self.notes),
            **seeded,
        }


@dataclass(frozen=True)
class Handoff:
    deploy_steps: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    monitoring: tuple[str, ...] = ()
    rollback: tuple[str, ...] = ()
    risk: str = ""  # the risk assessment in one paragraph; empty when no finding needs weighing

    def to_dict(self) -> dict[str, Any]:
        notes: dict[str, Any] = {
            "deploy_steps": list(self.deploy_steps),
            "follow_ups": list(self.follow_ups),
            "monitoring": list(self.monitoring),
            "rollback": list(self.rollback),
        }
        if self.risk:  # added after schema_version 1 shipped: present only when there is a risk to state
            notes["risk"] = self.risk
        return notes


@dataclass(frozen=True)
class Report:
    tool_version: str
    base: str
    head: str
    verdict: Verdict
    migration_sets: tuple[SetReport, ...]
    findings: tuple[Finding, ...]
    handoff: Handoff = field(default_factory=Handoff)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "migration-reviewer", "version": self.tool_version},
            "base": self.base,
            "head": self.head,
            "verdict": self.verdict.value,
            "migration_sets": [s.to_dict() for s in self.migration_sets],
            "findings": [
                {
                    "rule": f.rule,
                    "name": f.name,
                    "category": f.category.value,
                    "severity": f.severity.value,
                    "path": f.path,
                    "line": f.line,
                    "table": f.table,
                    "message": f.message,
                    "fix": f.fix,
                    "confirmed_by_replay": f.confirmed_by_replay,
                    "statement": f.statement,
                    # Added after schema_version 1 shipped: every statement the finding covers.
                    "locations": [
                        {
                            "path": loc.path,
                            "line": loc.line,
                            "table": loc.table,
                            "statement": loc.statement,
                            "lock": loc.lock,
                            "duration_ms": None if loc.duration_ms is None else round(loc.duration_ms, 1),
                        }
                        for loc in f.locations
                    ],
                    "acknowledged": f.acknowledged,
                    # Added after schema_version 1 shipped: present only where a finding has some.
                    **({"knock_ons": [k.to_dict() for k in f.knock_ons]} if f.knock_ons else {}),
                }
                for f in self.findings
            ],
            "handoff": self.handoff.to_dict(),
        }

    def count_by(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity.value == severity)

    @property
    def changed_migration_count(self) -> int:
        return sum(1 for s in self.migration_sets for m in s.migrations if m.status != "base")


def exit_code(report: Report, fail_on: str) -> int:
    """0 when no finding reaches `fail_on` (error, warning, never), else 1. A review that could not
    review the change (`incomplete`) is never a quiet pass: it counts as an error."""
    if fail_on == "never":
        return EXIT_CLEAN
    if report.verdict is Verdict.INCOMPLETE:
        return EXIT_FINDINGS
    threshold = {"error": ("error",), "warning": ("error", "warning")}[fail_on]
    return EXIT_FINDINGS if any(f.severity.value in threshold for f in report.findings) else EXIT_CLEAN
