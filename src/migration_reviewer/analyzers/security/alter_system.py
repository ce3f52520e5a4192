from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.security._escape import called_functions, issue

_SERVER_CONTROL = {"pg_reload_conf", "pg_terminate_backend", "pg_cancel_backend", "pg_rotate_logfile"}


@rule("SC103", "alter-system", Category.SECURITY, Severity.ERROR, {"postgresql"}, lintable=True)
def alter_system(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that changes the server's configuration or acts on other sessions.

    ## What it does
    Reports `ALTER SYSTEM` and calls of `pg_reload_conf()`, `pg_terminate_backend()`,
    `pg_cancel_backend()` and `pg_rotate_logfile()`.

    ## Why is this risky?
    `ALTER SYSTEM` rewrites `postgresql.auto.conf` for the whole server: with settings such as
    `archive_command` or `shared_preload_libraries` it runs commands or loads code at the next reload or
    restart. Ending other sessions disrupts the application the migration is deployed under. A schema
    migration needs neither.

    ## Example
    ```sql
    ALTER SYSTEM SET archive_command = 'sh -c "id > /tmp/owned"';
    ```

    ## Use instead
    ```sql
    SET statement_timeout = '5s';
    ```
    Settings for the migration's own session; server configuration goes through its owners.
    """
    for stmt in ctx.statements:
        if stmt.kind == "AlterSystemStmt":
            name = stmt.body.get("setstmt", {}).get("name") or "ALL"
            what = f"`ALTER SYSTEM` changes the server's configuration (`{name}`)."
        elif used := sorted(called_functions(stmt, _SERVER_CONTROL)):
            what = f"`{used[0]}()` acts on the server or on other sessions."
        else:
            continue
        yield issue(stmt, what, "leave server configuration and other sessions out of migrations")
