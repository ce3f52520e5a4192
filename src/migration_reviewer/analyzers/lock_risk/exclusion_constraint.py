from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.evidence import Risk, Work, lock_issue
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import added_constraints, altered_table
from migration_reviewer.analyzers.locks import LockMode
from migration_reviewer.analyzers.registry import rule


@rule("LK011", "exclusion-constraint", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def exclusion_constraint(ctx: AnalysisContext) -> Iterator[Issue]:
    """An exclusion constraint added to an existing table.

    ## What it does
    Reports `ADD CONSTRAINT … EXCLUDE USING …` on tables the change did not create.

    ## Why is this risky?
    The constraint builds its index and checks every pair of conflicting rows under ACCESS EXCLUSIVE, and
    unlike UNIQUE there is no online way around it: an exclusion constraint cannot adopt an index built
    concurrently, nor be added `NOT VALID`.

    ## Example
    ```sql
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
        EXCLUDE USING gist (room_id WITH =, during WITH &&);
    ```

    ## Use instead
    ```sql
    CREATE TABLE bookings_v2 (
        id bigint PRIMARY KEY,
        room_id bigint NOT NULL,
        during tstzrange NOT NULL,
        EXCLUDE USING gist (room_id WITH =, during WITH &&)
    );
    ```
    A new table that gets the constraint while empty, filled in batches and swapped in; or the original
    statement in a maintenance window, when the table is small enough.
    """
    for stmt in ctx.alter_table_statements_with("AT_AddConstraint"):
        table = altered_table(stmt)
        if table is None or ctx.is_new(table):
            continue
        for constraint in added_constraints(stmt):
            if constraint.get("contype") != "CONSTR_EXCLUSION":
                continue
            name = constraint.get("conname") or "an exclusion constraint"
            yield lock_issue(
                ctx,
                stmt,
                Risk(table, LockMode.ACCESS_EXCLUSIVE, Work.INDEX),
                message=f"Exclusion constraint `{name}` builds its index and checks every row as it is "
                "added, with no concurrent alternative.",
                fix="add it to a new, empty table and move the rows over in batches, or run it in a "
                "maintenance window",
            )
