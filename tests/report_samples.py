"""Reports built by hand, for renderer and publisher tests that need no database."""

from __future__ import annotations

from migration_reviewer.analyzers.finding import Category, Finding, Severity
from migration_reviewer.report.build import verdict_of
from migration_reviewer.report.model import (
    ColumnView,
    MigrationEntry,
    ReferenceView,
    Report,
    SetReport,
    TableView,
)
from migration_reviewer.schema.model import SchemaChange

BASE = "a" * 40
HEAD = "b" * 40
PATH = "db/migrations/002_add_email.up.sql"


def finding(
    message: str = '`add_email` fails: column "email" already exists',
    *,
    rule: str = "RP001",
    name: str = "migration-fails",
    severity: Severity = Severity.ERROR,
    category: Category = Category.REPLAY,
    path: str | None = PATH,
    line: int | None = 3,
    fix: str | None = "guard it with IF NOT EXISTS",
    statement: str | None = "ALTER TABLE customers ADD COLUMN email text",
) -> Finding:
    return Finding(
        rule=rule,
        name=name,
        category=category,
        severity=severity,
        message=message,
        path=path,
        line=line,
        fix=fix,
        statement=statement,
    )


def migration(name: str = "add_email", path: str = PATH, status: str = "added") -> MigrationEntry:
    return MigrationEntry(
        id=name,
        name=name,
        path=path,
        status=status,
        applied=True,
        outcome="applied",
        error=None,
        duration_ms=12.0,
        reversible=None,
    )


def customers_tables(table: str = "customers") -> tuple[TableView, ...]:
    return (
        TableView(
            table,
            "changed",
            (
                ColumnView("id", "bigint", ("PK",)),
                ColumnView("email", "text", (), "added"),
            ),
        ),
        TableView(
            "orders",
            None,
            (ColumnView("id", "bigint", ("PK",)), ColumnView("customer_id", "bigint", ("FK",))),
            (ReferenceView(("customer_id",), table, None, optional=False),),
        ),
    )


def report(
    findings: tuple[Finding, ...] = (),
    *,
    migrations: tuple[MigrationEntry, ...] | None = None,
    changes: tuple[SchemaChange, ...] | None = None,
    tables: tuple[TableView, ...] | None = None,
    sets: bool = True,
) -> Report:
    """A change that adds a column to customers (orders references customers), with `findings`."""
    migration_sets = (
        SetReport(
            path="db/migrations",
            framework="golang-migrate",
            dialect="postgresql",
            provider="embedded",
            server_version="18.1",
            migrations=migrations if migrations is not None else (migration(),),
            schema_changes=changes
            if changes is not None
            else (SchemaChange("column_added", "customers", "email", "text"),),
            tables=tables if tables is not None else customers_tables(),
        ),
    )
    return Report(
        tool_version="0.1.0",
        base=BASE,
        head=HEAD,
        verdict=verdict_of(findings),
        migration_sets=migration_sets if sets else (),
        findings=findings,
    )
