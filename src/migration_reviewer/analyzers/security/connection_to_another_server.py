from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.security._escape import called_functions, issue

_REMOTE_EXTENSIONS = {"dblink", "postgres_fdw", "mysql_fdw", "oracle_fdw", "tds_fdw", "file_fdw", "http"}
_REMOTE_FUNCTIONS = {"dblink", "dblink_connect", "dblink_connect_u", "dblink_exec", "dblink_send_query"}


@rule(
    "SC104",
    "connection-to-another-server",
    Category.SECURITY,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def connection_to_another_server(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that opens connections from the database server to somewhere else.

    ## What it does
    Reports `CREATE EXTENSION` of `dblink`, foreign-data wrappers and `http`, `CREATE SERVER`, and calls
    of the `dblink` functions.

    ## Why is this risky?
    The connection starts from the database server, inside its network: a migration can reach other
    databases and internal services with it, or send data out. The review's throwaway server has no
    route anywhere, so these also fail there.

    ## Example
    ```sql
    SELECT dblink_exec('host=10.0.0.5 dbname=prod', 'DROP TABLE users');
    ```

    ## Use instead
    ```sql
    CREATE TABLE users_archive (LIKE users);
    ```
    Each database gets its own migrations, run by its own deploy.
    """
    for stmt in ctx.statements:
        body = stmt.body
        if stmt.kind == "CreateExtensionStmt" and body.get("extname", "").lower() in _REMOTE_EXTENSIONS:
            what = f"`CREATE EXTENSION {body['extname']}` lets the database server connect elsewhere."
        elif stmt.kind == "CreateForeignServerStmt":
            what = f"`CREATE SERVER {body.get('servername', '')}` defines a connection to another server."
        elif used := sorted(called_functions(stmt, _REMOTE_FUNCTIONS)):
            what = f"`{used[0]}()` connects from the database server to another one."
        else:
            continue
        yield issue(stmt, what, "keep cross-database work out of migrations; each database migrates itself")
