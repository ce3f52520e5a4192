from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, qualified, strings

_ENABLE = ("AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig")


@rule("LK034", "disable-trigger", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def disable_trigger(ctx: AnalysisContext) -> Iterator[Issue]:
    """A trigger of an existing table is disabled, or a trigger the change dropped is enabled.

    ## What it does
    Reports `ALTER TABLE … DISABLE TRIGGER` (a name, `USER` or `ALL`) on tables the change did not create,
    and, as an error, `ENABLE TRIGGER` of a trigger the change dropped earlier.

    ## Why is this risky?
    While a trigger is disabled, every write of the running application skips it: audit rows, derived
    columns and denormalised counters silently go wrong, and `DISABLE TRIGGER ALL` also switches off the
    internal triggers that enforce foreign keys, so orphan rows get in and stay. If the migration fails
    before the matching `ENABLE`, the trigger stays off. The statement takes SHARE ROW EXCLUSIVE, blocking
    writes while it waits. Enabling a trigger that no longer exists fails the migration.

    ## Example
    ```sql
    ALTER TABLE orders DISABLE TRIGGER ALL;
    UPDATE orders SET total_cents = total * 100 WHERE id < 10000;
    ALTER TABLE orders ENABLE TRIGGER ALL;
    ```

    ## Use instead
    ```sql
    UPDATE orders SET total_cents = total * 100 WHERE id < 10000;
    ```
    Let the triggers run, or make the trigger itself skip the backfill (a session setting it checks,
    such as `SET LOCAL app.backfill = 'on'`), so other sessions keep their triggers.
    """
    dropped: set[tuple[str, str]] = set()
    for stmt in ctx.statements:
        if stmt.kind == "DropStmt" and stmt.body.get("removeType") == "OBJECT_TRIGGER":
            for item in stmt.body.get("objects", ()):
                names = strings(fields(item, "List").get("items"))
                if names:
                    dropped.add((qualified(names[:-1]), names[-1]))
            continue
        table = altered_table(stmt)
        if table is None:
            continue
        for cmd in commands(stmt, *_ENABLE):
            name = cmd.get("name", "")
            if (table, name) in dropped:
                yield Issue(
                    message=f"Trigger `{name}` on `{table}` was dropped earlier in the change: enabling it "
                    "fails the migration.",
                    path=stmt.path,
                    line=stmt.line,
                    table=table,
                    fix="create the trigger again before enabling it, or remove the ENABLE",
                    statement=stmt.statement.text,
                    severity=Severity.ERROR,
                )
        if ctx.is_new(table):
            continue
        for cmd in commands(stmt, "AT_DisableTrig", "AT_DisableTrigAll", "AT_DisableTrigUser"):
            which = {"AT_DisableTrigAll": "ALL", "AT_DisableTrigUser": "USER"}.get(
                cmd["subtype"], f"`{cmd.get('name', '')}`"
            )
            foreign_keys = (
                ", foreign keys included: orphan rows written meanwhile stay"
                if cmd["subtype"] == "AT_DisableTrigAll"
                else ""
            )
            yield Issue(
                message=f"Disabling trigger {which} on `{table}` skips it for every session's writes until "
                f"it is enabled again{foreign_keys}.",
                path=stmt.path,
                line=stmt.line,
                table=table,
                fix="keep the trigger on; make it skip the backfill through a session setting it checks "
                "(SET LOCAL app.backfill = 'on') instead",
                statement=stmt.statement.text,
            )
