from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import added_constraints, altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule


@rule("LK009", "validate-in-same-transaction", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def validate_in_same_transaction(ctx: AnalysisContext) -> Iterator[Issue]:
    """`VALIDATE CONSTRAINT` in the same transaction that added the constraint `NOT VALID`.

    ## What it does
    Follows each constraint added `NOT VALID` and reports a `VALIDATE CONSTRAINT` of it that runs in the
    same transaction (the runner's or the file's own).

    ## Why is this risky?
    `NOT VALID` only helps because the validation can run later under a weak lock. In the same transaction,
    the lock the `ADD CONSTRAINT` took (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE on both tables for
    a foreign key) is still held while every row is checked: the same outage as without `NOT VALID`.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
    COMMIT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;
    ```
    Each statement committed on its own, or the VALIDATE in the next migration when the runner wraps each
    migration in a transaction.
    """
    added: dict[tuple[str, str], tuple[int, LockMode]] = {}  # (table, constraint) → transaction, its lock
    for stmt in ctx.alter_table_statements_with("AT_AddConstraint", "AT_ValidateConstraint"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        if stmt.transaction is not None:
            for constraint in added_constraints(stmt):
                if constraint.get("skip_validation") and constraint.get("conname"):
                    foreign = constraint.get("contype") == "CONSTR_FOREIGN"
                    mode = LockMode.SHARE_ROW_EXCLUSIVE if foreign else LockMode.ACCESS_EXCLUSIVE
                    added[(table, constraint["conname"])] = (stmt.transaction.id, mode)
        for cmd in commands(stmt, "AT_ValidateConstraint"):
            name = cmd.get("name", "")
            earlier = added.get((table, name))
            if earlier is None or stmt.transaction is None or earlier[0] != stmt.transaction.id:
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, earlier[1], Work.SCAN),
                message=f"`VALIDATE CONSTRAINT {name}` runs in the transaction that added it NOT VALID, so "
                "the lock taken by the ADD is still held while every row is checked.",
                fix="commit between the two: move the VALIDATE to the next migration (or out of the file's "
                "BEGIN … COMMIT)",
            )
