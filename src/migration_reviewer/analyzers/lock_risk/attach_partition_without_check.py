from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import added_constraints, altered_table, commands
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, relation
from migration_reviewer.schema.model import ConstraintKind


@rule(
    "LK033", "attach-partition-without-check", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True
)
def attach_partition_without_check(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ATTACH PARTITION` of an existing table without a validated `CHECK` that proves its bounds.

    ## What it does
    Reports `ALTER TABLE … ATTACH PARTITION` of a table the change did not create, unless that table
    already has a validated `CHECK` constraint (added earlier in the change, or in the base schema the
    replay saw) from which PostgreSQL can prove that every row fits the partition's bounds.

    ## Why is this risky?
    PostgreSQL reads every row of the table being attached to check it against the bounds, holding
    ACCESS EXCLUSIVE on it for the whole scan (and scans the default partition too, if there is one,
    for rows that now belong to the new partition). The parent only needs SHARE UPDATE EXCLUSIVE, so
    the outage is on the partition itself.

    ## Example
    ```sql
    ALTER TABLE measurements ATTACH PARTITION measurements_2024
      FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    ```

    ## Use instead
    ```sql
    ALTER TABLE measurements_2024 ADD CONSTRAINT measurements_2024_bounds
      CHECK (logged_at IS NOT NULL AND logged_at >= '2024-01-01' AND logged_at < '2025-01-01') NOT VALID;
    ALTER TABLE measurements_2024 VALIDATE CONSTRAINT measurements_2024_bounds;
    ALTER TABLE measurements ATTACH PARTITION measurements_2024
      FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    ```
    The validation scans under SHARE UPDATE EXCLUSIVE (reads and writes continue); the attach then
    skips its scan. The constraint can be dropped afterwards.
    """
    checked: set[str] = set()  # tables that gained a validated CHECK in the change
    for stmt in ctx.alter_table_statements_with(
        "AT_AddConstraint",
        "AT_ValidateConstraint",
        "AT_AttachPartition",
    ):
        table = altered_table(stmt)
        if table is None:
            continue
        for constraint in added_constraints(stmt):
            if constraint.get("contype") == "CONSTR_CHECK" and not constraint.get("skip_validation"):
                checked.add(table)
        if any(True for _ in commands(stmt, "AT_ValidateConstraint")):
            checked.add(table)
        for cmd in commands(stmt, "AT_AttachPartition"):
            partition = relation(fields(cmd.get("def", {}), "PartitionCmd").get("name", {}))
            if ctx.is_new(partition) or partition in checked or _base_has_check(ctx, partition):
                continue
            yield lock_issue(
                ctx,
                stmt,
                Risk(partition, LockMode.ACCESS_EXCLUSIVE, Work.SCAN),
                message=f"Attaching `{partition}` to `{table}` checks every row of `{partition}` against "
                "the partition bounds, with no validated CHECK to prove them.",
                fix="first add a CHECK matching the bounds NOT VALID and VALIDATE it (reads and writes "
                "continue), then attach: PostgreSQL skips the scan",
            )


def _base_has_check(ctx: AnalysisContext, table: str) -> bool:
    existing = ctx.existing_table(table)
    return existing is not None and any(
        c.kind is ConstraintKind.CHECK and c.validated for c in existing.constraints
    )
