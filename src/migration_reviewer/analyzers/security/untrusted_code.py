from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.security._escape import issue, option_values
from migration_reviewer.analyzers.sql import Node, strings

# Languages whose code runs with the server's operating-system rights (the `u` is for "untrusted").
_UNTRUSTED = {"plpythonu", "plpython2u", "plpython3u", "plperlu", "pltclu", "plsh", "c", "internal"}


@rule("SC102", "untrusted-code", Category.SECURITY, Severity.ERROR, {"postgresql"}, lintable=True)
def untrusted_code(ctx: AnalysisContext) -> Iterator[Issue]:
    """A migration that installs or runs code in an untrusted language, or loads a server library.

    ## What it does
    Reports `CREATE EXTENSION` or `CREATE LANGUAGE` of an untrusted language (`plpython3u`, `plperlu`,
    `pltclu`…), a function or DO block written in one (or in `c`), and `LOAD`.

    ## Why is this risky?
    Untrusted languages and C functions run with the rights of the database server's operating-system
    user, outside every permission check of the database: such a function can run commands, open network
    connections and read the server's files. Only a superuser can create them.

    ## Example
    ```sql
    CREATE EXTENSION plpython3u;
    ```

    ## Use instead
    ```sql
    CREATE EXTENSION pgcrypto;
    ```
    A trusted extension or language (`plpgsql`, `sql`), which a database owner may install.
    """
    for stmt in ctx.statements:
        body = stmt.body
        if stmt.kind == "CreateExtensionStmt" and body.get("extname", "").lower() in _UNTRUSTED:
            # The grammar reads `CREATE LANGUAGE x` (no handler) as CREATE EXTENSION x, as the server does.
            name = body["extname"]
            what = f"`{name}` is an untrusted language: its functions run outside the database's checks."
        elif stmt.kind == "CreatePLangStmt":
            what = f"`CREATE LANGUAGE {body.get('plname', '')}` installs a procedural language."
        elif stmt.kind == "LoadStmt":
            what = f"`LOAD '{body.get('filename', '')}'` loads a library into the database server."
        elif stmt.kind in ("CreateFunctionStmt", "DoStmt") and (language := _untrusted_language(body)):
            kind = "a DO block" if stmt.kind == "DoStmt" else "a function"
            what = f"{kind} in `{language}` runs with the database server's operating-system rights."
        else:
            continue
        yield issue(stmt, what, "use a trusted language (plpgsql, sql) or a trusted extension")


def _untrusted_language(body: Node) -> str | None:
    for value in option_values(body, "language"):
        language = next(iter(strings([value])), "").lower()
        if language in _UNTRUSTED:
            return language
    return None
