from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import outside_transaction
from migration_reviewer.analyzers.lock_risk._common import altered_table, column_constraints, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, fields, strings

_KINDS = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}


@rule("LK010", "unique-without-using-index", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def unique_without_using_index(ctx: AnalysisContext) -> Iterator[Issue]:
    """A UNIQUE or PRIMARY KEY constraint added to an existing table without `USING INDEX`.

    ## What it does
    Reports `ADD CONSTRAINT … UNIQUE (…)`, `ADD PRIMARY KEY (…)` and `ADD COLUMN … UNIQUE / PRIMARY KEY`
    on tables the change did not create, unless the constraint adopts an index built beforehand
    (`USING INDEX`).

    ## Why is this risky?
    The constraint builds its unique index inside the ALTER TABLE, under ACCESS EXCLUSIVE: the table can be
    neither read nor written for the whole build.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    ```
    The index build runs outside a transaction; adopting it is instant. For a primary key, the columns
    must already be NOT NULL (see LK007), or `USING INDEX` sets NOT NULL with a full scan.
    """
    framework = ctx.migration_set.framework
    for stmt in ctx.alter_table_statements_with("AT_AddConstraint", "AT_AddColumn"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        bare = table.rsplit(".", 1)[-1]
        for cmd in commands(stmt, "AT_AddConstraint"):
            constraint = fields(cmd.get("def", {}), "Constraint")
            kind = _KINDS.get(constraint.get("contype", ""))
            if kind is None or constraint.get("indexname"):
                continue
            columns = ", ".join(strings(constraint.get("keys")))
            name = constraint.get("conname") or f"{bare}_{'pkey' if kind == 'PRIMARY KEY' else 'key'}"
            yield _issue(ctx, stmt, table, kind, name, columns, framework)
        for cmd in commands(stmt, "AT_AddColumn"):
            column = fields(cmd.get("def", {}), "ColumnDef")
            for constraint in column_constraints(column, *_KINDS):
                kind = _KINDS[constraint["contype"]]
                name = column.get("colname", "?")
                yield _issue(ctx, stmt, table, kind, f"{bare}_{name}_key", name, framework)


def _issue(
    ctx: AnalysisContext, stmt: SqlStatement, table: str, kind: str, name: str, columns: str, framework: str
) -> Issue:
    return lock_issue(
        ctx,
        stmt,
        Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.INDEX),
        message=f"`{kind} ({columns})` builds its unique index inside the ALTER TABLE.",
        fix=f"`CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({columns})` "
        f"({outside_transaction(framework)}), then `ALTER TABLE {table} ADD CONSTRAINT {name} {kind} "
        f"USING INDEX {name}`",
    )
