from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import head
from migration_reviewer.analyzers.sql import Node, SqlStatement, fields, qualified, strings


@rule(
    "SC004",
    "security-definer-without-search-path",
    Category.SECURITY,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def security_definer_without_search_path(ctx: AnalysisContext) -> Iterator[Issue]:
    """A `SECURITY DEFINER` function without a fixed `search_path`.

    ## What it does
    Reports `CREATE FUNCTION` / `CREATE PROCEDURE … SECURITY DEFINER`, and `ALTER FUNCTION …
    SECURITY DEFINER`, without `SET search_path`, unless the change sets one for that function
    elsewhere (`ALTER FUNCTION … SET search_path`) or the schema after the change shows the function
    with a `search_path` setting.

    ## Why is this risky?
    A SECURITY DEFINER function runs with its owner's rights but resolves unqualified names through the
    caller's `search_path`. A caller who can create objects in any schema on that path (before
    PostgreSQL 15, everyone can in `public`) defines a function or operator the body picks up, and runs
    their code as the owner: often a superuser or the table owner.

    ## Example
    ```sql
    CREATE FUNCTION is_admin(uid bigint) RETURNS boolean LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT admin FROM users WHERE id = uid $$;
    ```

    ## Use instead
    ```sql
    CREATE FUNCTION is_admin(uid bigint) RETURNS boolean LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT admin FROM public.users WHERE id = uid $$;
    ```
    """
    after = head(ctx)
    fixed_later = {
        f"{f.schema}.{f.name}"
        for f in (after.functions if after else ())
        if any(setting.startswith("search_path=") for setting in f.config)
    }
    # An ALTER FUNCTION … SET search_path in the change: seen in `lint` too, and where the replay's schema
    # is missing. (A CREATE OR REPLACE resets the settings, so only ALTERs count here.)
    fixed_later.update(
        _key(names)
        for stmt in ctx.statements
        if stmt.kind == "AlterFunctionStmt"
        for names, options in _definitions_of(stmt)
        if _pins_search_path(options)
    )
    for stmt in ctx.of_kind("CreateFunctionStmt", "AlterFunctionStmt"):
        if stmt.kind not in ("CreateFunctionStmt", "AlterFunctionStmt"):
            continue
        [(names, options)] = _definitions_of(stmt)
        if not any(o.get("defname") == "security" and _true(o) for o in options):
            continue
        if _pins_search_path(options) or _key(names) in fixed_later:
            continue
        name = qualified(names)
        yield Issue(
            message=f"SECURITY DEFINER function `{name}` has no fixed search_path: a caller who can create "
            "objects on their search_path can make it run their code with the owner's rights.",
            path=stmt.path,
            line=stmt.line,
            fix="add `SET search_path = pg_catalog, pg_temp` and schema-qualify the names in the body",
            statement=stmt.statement.text,
        )


def _definitions_of(stmt: SqlStatement) -> list[tuple[list[str], list[Node]]]:
    """(function name, its options) of a CREATE FUNCTION or ALTER FUNCTION; none for other statements."""
    if stmt.kind == "CreateFunctionStmt":
        names, options = strings(stmt.body.get("funcname")), stmt.body.get("options", ())
    elif stmt.kind == "AlterFunctionStmt":
        names, options = strings(fields({"ObjectWithArgs": stmt.body.get("func", {})}).get("objname")), (
            stmt.body.get("actions", ())
        )
    else:
        return []
    return [(names, [fields(o, "DefElem") for o in options])]


def _pins_search_path(options: list[Node]) -> bool:
    return any(fields(o.get("arg", {}), "VariableSetStmt").get("name") == "search_path" for o in options)


def _key(names: list[str]) -> str:
    return f"{names[-2] if len(names) > 1 else 'public'}.{names[-1]}"


def _true(option: Node) -> bool:
    return bool(fields(option.get("arg", {}), "Boolean").get("boolval"))
