from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.mysql._common import ddl_statements
from migration_reviewer.analyzers.registry import rule

_LOCK_WAIT = re.compile(r"\s*SET\s+(?:SESSION\s+|LOCAL\s+|@@(?:SESSION\.)?)?lock_wait_timeout\s*=", re.I)


@rule("LK102", "mysql-metadata-lock-wait", Category.LOCK, Severity.WARNING, {"mysql"})
def metadata_lock_wait(ctx: AnalysisContext) -> Iterator[Issue]:
    """DDL on an existing table without a short `lock_wait_timeout`: it can queue every query behind it.

    ## What it does
    Reports the first `ALTER TABLE`, `CREATE INDEX`, `DROP INDEX`, `RENAME TABLE`, `DROP TABLE`,
    `TRUNCATE` or `OPTIMIZE TABLE` of each migration that touches a table the change did not create,
    when the migration has not set `lock_wait_timeout` before it.

    ## Why is this risky?
    Every such statement needs an exclusive metadata lock on its table, even one that runs
    `ALGORITHM=INSTANT`. It waits for every open transaction that has touched the table (a long report,
    a forgotten transaction in a console), and while it waits, every new query on the table waits behind
    it: the application stalls although the ALTER itself would take milliseconds. The default
    `lock_wait_timeout` is one year in MySQL and one day in MariaDB.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN note VARCHAR(200) NULL;
    ```

    ## Use instead
    ```sql
    SET SESSION lock_wait_timeout = 5;
    ALTER TABLE orders ADD COLUMN note VARCHAR(200) NULL;
    ```
    A migration that times out fails fast and can be retried; one that waits takes the site down.
    """
    seen: set[str] = set()
    guarded: set[str] = set()
    for stmt in ctx.statements:
        if _LOCK_WAIT.match(stmt.statement.text):
            guarded.add(stmt.migration.id)
    for ddl in ddl_statements(ctx):
        migration = ddl.stmt.migration.id
        if migration in seen or migration in guarded:
            continue
        seen.add(migration)
        yield Issue(
            message=f"`{ddl.verb}` needs an exclusive metadata lock on `{ddl.table}`: it waits for every "
            f"open transaction that touched `{ddl.table}`, and every query on `{ddl.table}` waits behind it, "
            "for up to lock_wait_timeout (one year by default in MySQL, one day in MariaDB)",
            path=ddl.stmt.path,
            line=ddl.stmt.line,
            table=ddl.table,
            statement=ddl.stmt.statement.text,
            fix="start the migration with `SET SESSION lock_wait_timeout = 5;` (seconds) and retry the "
            "deploy when it times out",
        )
