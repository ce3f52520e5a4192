from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.frameworks import commit_enum_value_first
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement, qualified, strings, walk
from migration_reviewer.replay.result import Outcome

# The server's errors for both failures; RP001 reports them when the replay met them.
_FAILURES = {"25001", "55P04"}


@rule("LK012", "enum-value-in-transaction", Category.LOCK, Severity.ERROR, {"postgresql"}, lintable=True)
def enum_value_in_transaction(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ALTER TYPE … ADD VALUE` where its transaction makes it fail.

    ## What it does
    Reports `ALTER TYPE … ADD VALUE` inside a transaction (the runner's or the file's) when the target
    version is older than PostgreSQL 12, which refuses it there; and on 12 and later, when a later
    statement of the same transaction uses the new value, which PostgreSQL refuses until the ADD VALUE
    has committed.

    ## Why is this risky?
    The migration fails when it is deployed.

    ## Example
    ```sql
    BEGIN;
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    COMMIT;
    ```

    ## Use instead
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    ```
    Committed on its own (its own migration), before the migration that uses the value.
    """
    statements = ctx.statements
    for index, stmt in enumerate(statements):
        if stmt.kind != "AlterEnumStmt" or stmt.body.get("oldVal") or stmt.transaction is None:
            continue
        value = stmt.body.get("newVal", "")
        type_name = qualified(strings(stmt.body.get("typeName")))
        if ctx.pg_version < 12:
            message = (
                f"`ALTER TYPE {type_name} ADD VALUE '{value}'` runs inside a transaction, which PostgreSQL "
                f"{ctx.pg_version} refuses: the migration fails."
            )
            failing = stmt
        else:
            user = next(
                (
                    later
                    for later in statements[index + 1 :]
                    if later.transaction == stmt.transaction and _mentions(later, value)
                ),
                None,
            )
            if user is None:
                continue
            message = (
                f"'{value}' is used at line {user.line} in the transaction that adds it to `{type_name}`: "
                "PostgreSQL refuses a new enum value before it is committed, so the migration fails."
            )
            failing = user
        if (
            failing.run is not None
            and failing.run.error is not None
            and failing.run.error.sqlstate in _FAILURES
        ):
            continue  # RP001 reports the failure the replay met
        severity = None
        if failing.run is not None and failing.run.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK):
            message += " The replay contradicts this: it ran without error; kept as a note."
            severity = Severity.INFO
        yield Issue(
            message=message,
            path=stmt.path,
            line=stmt.line,
            fix=commit_enum_value_first(ctx.migration_set.framework),
            statement=stmt.statement.text,
            severity=severity,
        )


def _mentions(stmt: SqlStatement, value: str) -> bool:
    return any(
        node_type == "A_Const" and node.get("sval", {}).get("sval") == value
        for node_type, node in walk(stmt.tree)
    )
