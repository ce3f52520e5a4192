from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import added_constraints, altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import Node, fields, strings
from migration_reviewer.schema.model import ConstraintKind


@rule("LK007", "set-not-null-without-check", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def set_not_null_without_check(ctx: AnalysisContext) -> Iterator[Issue]:
    """`SET NOT NULL` on an existing column without a validated `CHECK (… IS NOT NULL)` first.

    ## What it does
    Reports `ALTER COLUMN … SET NOT NULL` on tables the change did not create, unless a validated CHECK
    constraint already proves the column holds no NULL (from the base schema, as the replay saw it, or
    added and validated earlier in the change). Before PostgreSQL 12 the CHECK does not help and every
    `SET NOT NULL` is reported.

    ## Why is this risky?
    PostgreSQL reads the whole table to check for NULLs while holding ACCESS EXCLUSIVE: no reads and no
    writes for the length of a full scan. From PostgreSQL 12 on, a validated `CHECK (col IS NOT NULL)`
    lets it skip the scan, and the CHECK can be validated under a lock that blocks nobody.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
    ```
    Then, in a later transaction (next migration):
    ```sql
    ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ALTER TABLE users DROP CONSTRAINT users_email_not_null;
    ```
    On PostgreSQL 18, `ADD CONSTRAINT users_email_not_null NOT NULL email NOT VALID` followed by
    `VALIDATE CONSTRAINT` does the same in two statements.
    """
    proven: set[tuple[str, str]] = set()  # (table, column) with a validated CHECK … IS NOT NULL
    pending: dict[tuple[str, str], str] = {}  # (table, constraint) added NOT VALID → its column
    for stmt in ctx.alter_table_statements_with("AT_SetNotNull", "AT_AddConstraint", "AT_ValidateConstraint"):
        table = altered_table(stmt)
        if table is None:
            continue
        for cmd in commands(stmt, "AT_SetNotNull"):
            column = cmd.get("name", "?")
            if ctx.is_new(table) or _already_not_null(ctx, table, column):
                continue
            if ctx.pg_version >= 12 and ((table, column) in proven or _base_check(ctx, table, column)):
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.SCAN),
                message=f"`ALTER COLUMN {column} SET NOT NULL` scans `{table}` for NULLs.",
                fix=_fix(ctx, table, column),
            )
        for constraint in added_constraints(stmt):
            column = _not_null_column(constraint)
            if constraint.get("contype") != "CONSTR_CHECK" or column is None:
                continue
            if constraint.get("skip_validation"):
                pending[(table, constraint.get("conname", ""))] = column
            else:
                proven.add((table, column))
        for cmd in commands(stmt, "AT_ValidateConstraint"):
            column = pending.get((table, cmd.get("name", "")))
            if column is not None:
                proven.add((table, column))


def _fix(ctx: AnalysisContext, table: str, column: str) -> str:
    if ctx.pg_version < 12:
        return (
            f"PostgreSQL {ctx.pg_version} scans whatever you do: run it in a quiet period, or keep a "
            "validated CHECK constraint instead of NOT NULL"
        )
    name = f"{table.rsplit('.', 1)[-1]}_{column}_not_null"
    return (
        f"`ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IS NOT NULL) NOT VALID`; in a later "
        "transaction `VALIDATE CONSTRAINT` it, then SET NOT NULL (no scan) and drop the CHECK"
    )


def _already_not_null(ctx: AnalysisContext, table: str, column: str) -> bool:
    existing = ctx.existing_table(table)
    described = existing.column(column) if existing else None
    return described is not None and not described.nullable


def _base_check(ctx: AnalysisContext, table: str, column: str) -> bool:
    """The base schema (as the replay saw it) has a validated CHECK implying `column IS NOT NULL`."""
    existing = ctx.existing_table(table)
    pattern = re.compile(rf'\(+"?{re.escape(column)}"? IS NOT NULL\)')
    return existing is not None and any(
        c.kind is ConstraintKind.CHECK and c.validated and pattern.search(c.definition)
        for c in existing.constraints
    )


def _not_null_column(constraint: Node) -> str | None:
    """The column a CHECK proves non-null: `col IS NOT NULL`, alone or ANDed with other conditions."""
    expression = constraint.get("raw_expr", {})
    candidates = [expression]
    if "BoolExpr" in expression and fields(expression).get("boolop") == "AND_EXPR":
        candidates = fields(expression).get("args", [])
    for candidate in candidates:
        test = fields(candidate, "NullTest")
        argument = test.get("arg", {})
        if test.get("nulltesttype") == "IS_NOT_NULL" and "ColumnRef" in argument:
            named = strings(argument["ColumnRef"].get("fields"))
            return named[-1] if named else None
    return None
