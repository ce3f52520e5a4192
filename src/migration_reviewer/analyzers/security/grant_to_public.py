from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.lock_risk._common import altered_table, commands
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import head
from migration_reviewer.analyzers.sql import Node, fields, relation, strings
from migration_reviewer.schema.model import PUBLIC, RelationKind, SchemaSnapshot, display_name

# Roles every visitor has: PUBLIC, and the anonymous roles of PostgREST and Supabase.
_ANONYMOUS = frozenset({"anon", "anonymous", "web_anon", "guest"})


@rule("SC003", "grant-to-public", Category.SECURITY, Severity.WARNING, {"postgresql"}, lintable=True)
def grant_to_public(ctx: AnalysisContext) -> Iterator[Issue]:
    """A `GRANT` on tables to `PUBLIC` or an anonymous role, where row-level security does not guard them.

    ## What it does
    Reports `GRANT … ON TABLE` and `GRANT … ON ALL TABLES IN SCHEMA` to `PUBLIC`, `anon`, `anonymous`,
    `web_anon` or `guest`, unless every table it covers has row-level security enabled (in the schema
    after the change; in `lint`, enabled by the change itself).

    ## Why is this risky?
    `PUBLIC` is every role, and the anonymous role is what unauthenticated API clients (PostgREST,
    Supabase) run as: such a grant on a table without RLS publishes every row to anyone who can reach
    the API.

    ## Example
    ```sql
    GRANT SELECT ON invoices TO anon;
    ```

    ## Use instead
    ```sql
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    CREATE POLICY invoices_public ON invoices FOR SELECT USING (published);
    GRANT SELECT ON invoices TO anon;
    ```
    """
    after = head(ctx)
    # What the change itself enables counts even where the replay's schema is missing (lint, a failure).
    enabled_here = {altered_table(s) for s in ctx.statements if any(commands(s, "AT_EnableRowSecurity"))}
    for stmt in ctx.of_kind("GrantStmt"):
        body = stmt.body
        if stmt.kind != "GrantStmt" or not body.get("is_grant") or body.get("objtype") != "OBJECT_TABLE":
            continue
        grantees = [_grantee(g) for g in body.get("grantees", ())]
        public = [g for g in grantees if g == "PUBLIC" or g in _ANONYMOUS]
        if not public:
            continue
        if body.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
            schemas = set(strings(body.get("objects")))
            if after is not None:
                tables = [
                    display_name(t.schema, t.name)
                    for t in after.tables
                    if t.schema in schemas and not t.rls_enabled and t.kind is RelationKind.TABLE
                ]
            else:
                tables = [f"all tables in {', '.join(sorted(schemas))}"]
        else:
            tables = [
                t
                for t in (relation(o) for o in body.get("objects", ()))
                if t not in enabled_here and not (after is not None and _guarded(after, t))
            ]
        if not tables:
            continue
        named = ", ".join(f"`{t}`" for t in tables[:5]) + (" and more" if len(tables) > 5 else "")
        yield Issue(
            message=f"GRANT to {', '.join(public)} on {named} without row-level security: every row is "
            "readable (and writable, as granted) by anyone who reaches the database or its API.",
            path=stmt.path,
            line=stmt.line,
            table=tables[0] if body.get("targtype") != "ACL_TARGET_ALL_IN_SCHEMA" else None,
            fix="enable row-level security with policies on those tables first, or grant to a role only "
            "authenticated clients have",
            statement=stmt.statement.text,
        )


def _grantee(node: Node) -> str:
    role = fields(node, "RoleSpec")
    return "PUBLIC" if role.get("roletype") == "ROLESPEC_PUBLIC" else str(role.get("rolename", ""))


def _guarded(after: SchemaSnapshot, table: str) -> bool:
    schema, _, bare = table.rpartition(".")
    found = after.table(schema or PUBLIC, bare)
    return found is not None and found.rls_enabled
