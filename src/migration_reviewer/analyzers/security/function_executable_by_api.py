from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import head
from migration_reviewer.analyzers.schema_design._static import format_type
from migration_reviewer.analyzers.sql import Node, SqlStatement, fields, qualified, strings, type_of
from migration_reviewer.schema.model import PUBLIC, display_name

# Roles every visitor of a PostgREST or Supabase API has, besides PUBLIC.
_ANONYMOUS = frozenset({"anon", "anonymous", "web_anon", "guest"})
# Supabase's role for any signed-in user: anyone who can sign up.
_SIGNED_IN = "authenticated"
# The schemas a Supabase project's API serves unless its settings say otherwise.
_EXPOSED_SCHEMAS = frozenset({PUBLIC, "graphql_public"})
_ROUTINES = frozenset({"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"})
# Called only by the server's trigger machinery: nobody can call these directly.
_TRIGGER_RESULTS = frozenset({"trigger", "event_trigger"})


@rule(
    "SC005",
    "function-executable-by-api",
    Category.SECURITY,
    Severity.WARNING,
    {"postgresql"},
    lintable=True,
)
def function_executable_by_api(ctx: AnalysisContext) -> Iterator[Issue]:
    """A function anyone can call: EXECUTE granted to `PUBLIC` or the API's roles, or a new `SECURITY
    DEFINER` function whose default EXECUTE for `PUBLIC` is not revoked.

    ## What it does
    Reports `GRANT EXECUTE` (or `GRANT ALL`) `ON FUNCTION`, `PROCEDURE`, `ROUTINE` or `ON ALL FUNCTIONS
    IN SCHEMA` to `PUBLIC`, `anon` (or `anonymous`, `web_anon`, `guest`) or `authenticated`: a warning
    for a SECURITY DEFINER function or a whole schema, a note for a function that runs with the
    caller's rights or a SECURITY DEFINER one granted to signed-in users only. And reports a new
    `CREATE [OR REPLACE] FUNCTION … SECURITY DEFINER` (not a trigger function) when the change does not
    `REVOKE EXECUTE … FROM PUBLIC` on it (on Supabase, from `anon` and `authenticated` too). SC004
    reports a SECURITY DEFINER function without a fixed `search_path`.

    ## Why is this risky?
    PostgreSQL grants EXECUTE on every new function to PUBLIC, and Supabase's default privileges grant
    it to `anon` and `authenticated` as well; PostgREST and Supabase expose the functions of the exposed
    schemas as API endpoints. A SECURITY DEFINER function runs with its owner's rights, past row-level
    security: unless its EXECUTE is revoked, any visitor of the API calls it with those rights.

    ## Example
    ```sql
    CREATE FUNCTION delete_account(target bigint) RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ DELETE FROM public.accounts WHERE id = target $$;
    ```

    ## Use instead
    ```sql
    CREATE FUNCTION delete_account(target bigint) RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ DELETE FROM public.accounts WHERE id = target $$;
    REVOKE EXECUTE ON FUNCTION delete_account(bigint) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION delete_account(bigint) TO account_admin;
    ```
    On Supabase, revoke from `anon` and `authenticated` too, and grant to `service_role` or check
    `auth.uid()` inside the function.
    """
    supabase = ctx.migration_set.platform == "supabase"
    definers = _definers(ctx)
    revoked = _revoked(ctx)
    for stmt in ctx.statements:
        if stmt.kind == "GrantStmt":
            yield from _grant(stmt, definers)
        elif stmt.kind == "CreateFunctionStmt" and _is_definer(stmt.body):
            yield from _unrevoked(stmt, revoked, supabase)


def _grant(stmt: SqlStatement, definers: frozenset[str]) -> Iterator[Issue]:
    body = stmt.body
    if not body.get("is_grant") or body.get("objtype") not in _ROUTINES or not _executes(body):
        return
    grantees = [_role(g) for g in body.get("grantees", ())]
    anonymous = [g for g in grantees if g == "PUBLIC" or g in _ANONYMOUS]
    signed_in = _SIGNED_IN in grantees
    if not anonymous and not signed_in:
        return
    who = ", ".join(anonymous + ([_SIGNED_IN] if signed_in else []))
    if body.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
        schemas = ", ".join(f"`{s}`" for s in strings(body.get("objects")))
        yield Issue(
            message=f"EXECUTE on every function in {schemas} granted to {who}: that includes any SECURITY "
            "DEFINER function, which then runs with its owner's rights for anyone who reaches the API.",
            path=stmt.path,
            line=stmt.line,
            fix="grant EXECUTE function by function, on the ones meant to be called by those roles",
            statement=stmt.statement.text,
        )
        return
    names = [_routine_name(o) for o in body.get("objects", ())]
    risky = [n for n in names if n in definers]
    if risky and anonymous:
        message = (
            f"SECURITY DEFINER {_listed(risky)} executable by {who}: anyone who reaches the database or "
            "its API runs it with its owner's rights, past row-level security."
        )
        severity = None
    elif risky:
        message = (
            f"SECURITY DEFINER {_listed(risky)} executable by every signed-in user: it runs with its "
            "owner's rights, so it must check who calls it (e.g. `auth.uid()`)."
        )
        severity = Severity.INFO
    elif anonymous:
        message = (
            f"{_listed(names)} executable by {', '.join(anonymous)}: anyone who reaches the database or "
            "its API can call it (with their own rights)."
        )
        severity = Severity.INFO
    else:
        return
    yield Issue(
        message=message,
        path=stmt.path,
        line=stmt.line,
        fix="grant EXECUTE only to the roles that need it; for a SECURITY DEFINER function, a role the API's "
        "anonymous visitors do not have",
        statement=stmt.statement.text,
        severity=severity,
    )


def _unrevoked(stmt: SqlStatement, revoked: dict[str, set[str]], supabase: bool) -> Iterator[Issue]:
    body = stmt.body
    result, _ = type_of(body.get("returnType", {}))
    if result in _TRIGGER_RESULTS:
        return
    names = strings(body.get("funcname"))
    name = qualified(names)
    schema = names[-2] if len(names) > 1 else PUBLIC
    needed = ["PUBLIC", "anon", _SIGNED_IN] if supabase else ["PUBLIC"]
    done = set().union(*(revoked.get(key, set()) for key in (name, f"schema:{schema}", "schema:*")))
    missing = [role for role in needed if role not in done]
    if not missing:
        return
    reach = (
        "anyone who can connect, and every visitor of the Supabase API,"
        if supabase and schema in _EXPOSED_SCHEMAS
        else "anyone who can connect"
    )
    arguments = ", ".join(
        format_type(fields(p, "FunctionParameter").get("argType", {}))
        for p in body.get("parameters", ())
        if fields(p, "FunctionParameter").get("mode") not in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE")
    )
    yield Issue(
        message=f"SECURITY DEFINER function `{name}` keeps EXECUTE for {', '.join(missing)}: {reach} runs "
        "it with its owner's rights.",
        path=stmt.path,
        line=stmt.line,
        fix=f"`REVOKE EXECUTE ON FUNCTION {name}({arguments}) FROM {', '.join(missing)};` in the same "
        "migration, then GRANT EXECUTE to the roles that should call it",
        statement=stmt.statement.text,
    )


def _definers(ctx: AnalysisContext) -> frozenset[str]:
    """The SECURITY DEFINER functions the change creates or the schema has, by name."""
    names = {
        qualified(strings(s.body.get("funcname")))
        for s in ctx.statements
        if s.kind == "CreateFunctionStmt" and _is_definer(s.body)
    }
    for snapshot in (ctx.before, head(ctx)):
        if snapshot is not None:
            names.update(display_name(f.schema, f.name) for f in snapshot.functions if f.security_definer)
    return frozenset(names)


def _revoked(ctx: AnalysisContext) -> dict[str, set[str]]:
    """The roles whose EXECUTE the change revokes, by function name; "schema:<name>" for every function
    of a schema (REVOKE … ON ALL FUNCTIONS IN SCHEMA, ALTER DEFAULT PRIVILEGES … REVOKE)."""
    revoked: dict[str, set[str]] = {}
    for stmt in ctx.statements:
        if stmt.kind == "GrantStmt":
            body, schemas = stmt.body, strings(stmt.body.get("objects"))
        elif stmt.kind == "AlterDefaultPrivilegesStmt":
            body = fields({"GrantStmt": stmt.body.get("action", {})})
            options = [fields(o, "DefElem") for o in stmt.body.get("options", ())]
            in_schemas = [o for o in options if o.get("defname") == "schemas"]
            schemas = strings(fields(in_schemas[0].get("arg", {}), "List").get("items")) if in_schemas else []
            schemas = schemas or ["*"]  # without IN SCHEMA: every schema
        else:
            continue
        if body.get("is_grant") or body.get("objtype") not in _ROUTINES or not _executes(body):
            continue
        roles = {_role(g) for g in body.get("grantees", ())}
        if body.get("targtype") == "ACL_TARGET_OBJECT":
            keys = [_routine_name(o) for o in body.get("objects", ())]
        else:
            keys = [f"schema:{s}" for s in schemas]
        for key in keys:
            revoked.setdefault(key, set()).update(roles)
    return revoked


def _is_definer(body: Node) -> bool:
    return any(
        fields(o, "DefElem").get("defname") == "security"
        and fields(fields(o, "DefElem").get("arg", {}), "Boolean").get("boolval")
        for o in body.get("options", ())
    )


def _executes(body: Node) -> bool:
    """GRANT/REVOKE ALL (no privileges listed) or one that names EXECUTE."""
    privileges = body.get("privileges", ())
    return not privileges or any(fields(p, "AccessPriv").get("priv_name") == "execute" for p in privileges)


def _role(node: Node) -> str:
    role = fields(node, "RoleSpec")
    return "PUBLIC" if role.get("roletype") == "ROLESPEC_PUBLIC" else str(role.get("rolename", ""))


def _routine_name(node: Node) -> str:
    return qualified(strings(fields(node, "ObjectWithArgs").get("objname")))




def _listed(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:5]) + (" and more" if len(names) > 5 else "")
    return f"function{'s' if len(names) > 1 else ''} {shown}"
