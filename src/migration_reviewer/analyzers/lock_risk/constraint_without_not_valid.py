from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, column_constraints, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, fields, relation


@rule("LK008", "constraint-without-not-valid", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def constraint_without_not_valid(ctx: AnalysisContext) -> Iterator[Issue]:
    """A foreign key or CHECK constraint added to an existing table without `NOT VALID`.

    ## What it does
    Reports `ADD CONSTRAINT … FOREIGN KEY`, `ADD CONSTRAINT … CHECK` and `ADD COLUMN … REFERENCES` on
    tables the change did not create, unless the constraint is added `NOT VALID`.

    ## Why is this risky?
    PostgreSQL checks every existing row before the statement ends, holding its lock all the while: a
    CHECK holds ACCESS EXCLUSIVE (no reads, no writes), a foreign key SHARE ROW EXCLUSIVE on both the
    table and the table it references (no writes on either). Added `NOT VALID`, the constraint applies
    to new rows at once, and a later `VALIDATE CONSTRAINT` checks the old rows under SHARE UPDATE
    EXCLUSIVE, which blocks neither reads nor writes.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    ```
    Then, in a later transaction (the next migration):
    ```sql
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
    ```

    ## Fix in Alembic
    `op.create_foreign_key(..., postgresql_not_valid=True)`, then in the next revision
    `op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey")`.
    """
    for stmt in ctx.alter_table_statements_with("AT_AddConstraint", "AT_AddColumn"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        single = len(stmt.body.get("cmds", ())) == 1
        for cmd in commands(stmt, "AT_AddConstraint"):
            constraint = fields(cmd.get("def", {}), "Constraint")
            kind = constraint.get("contype")
            if kind not in ("CONSTR_FOREIGN", "CONSTR_CHECK") or constraint.get("skip_validation"):
                continue
            name = constraint.get("conname") or "the constraint"
            safe = f"`{stmt.statement.text} NOT VALID`" if single else f"add {name} NOT VALID"
            fix = f"{safe}, then `ALTER TABLE {table} VALIDATE CONSTRAINT {name}` in a later transaction"
            if kind == "CONSTR_CHECK":
                yield lock_issue(
                    ctx,
                    stmt,
                    Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.SCAN),
                    message=f"CHECK constraint `{name}` is validated against every row as it is added.",
                    fix=fix,
                )
            else:
                yield _foreign_key(ctx, stmt, table, name, relation(constraint["pktable"]), fix)
        for cmd in commands(stmt, "AT_AddColumn"):
            column = fields(cmd.get("def", {}), "ColumnDef")
            for constraint in column_constraints(column, "CONSTR_FOREIGN"):
                if constraint.get("skip_validation"):
                    continue
                name = column.get("colname", "?")
                referenced = relation(constraint["pktable"])
                fix = (
                    f"add `{name}` without REFERENCES, then `ADD CONSTRAINT … FOREIGN KEY ({name}) "
                    f"REFERENCES {referenced} … NOT VALID` and `VALIDATE CONSTRAINT` it in a later "
                    "transaction"
                )
                yield _foreign_key(ctx, stmt, table, f"on new column {name}", referenced, fix)


def _foreign_key(
    ctx: AnalysisContext, stmt: SqlStatement, table: str, name: str, referenced: str, fix: str
) -> Issue:
    return lock_issue(
        ctx,
        stmt,
        Risk(table, LockMode.SHARE_ROW_EXCLUSIVE, Work.SCAN),
        message=f"Foreign key `{name}` is validated against every row as it is added; `{referenced}` is "
        "locked SHARE ROW EXCLUSIVE too, so its writes wait as well.",
        fix=fix,
    )
