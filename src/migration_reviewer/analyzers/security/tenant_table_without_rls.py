from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.adapters.platforms import platform_schemas
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import (
    head,
    schema_issue,
    tables_with_change,
    touched_tables,
)
from migration_reviewer.schema.model import PUBLIC, display_name

# Columns that say "this row belongs to someone": where other tables are guarded by RLS, this one
# probably should be too.
_TENANT_COLUMNS = ("organization_id", "org_id", "tenant_id", "user_id")


@rule("SC001", "tenant-table-without-rls", Category.SECURITY, Severity.WARNING, {"postgresql"})
def tenant_table_without_rls(ctx: AnalysisContext) -> Iterator[Issue]:
    """A table with a tenant column (`organization_id`, `tenant_id`, `user_id`) has row-level security
    off while other tables have it on.

    ## What it does
    In the schema after the change, looks at the tables the change creates, gives a tenant column, or
    disables RLS on. When such a table has a tenant column, RLS disabled, and at least one other table
    has RLS enabled, it is reported.

    ## Why is this risky?
    Where the database enforces tenant isolation with RLS (Supabase, PostgREST, any API that lets
    clients query through a shared role), a table without it is readable and writable by every tenant:
    each row of every organization, through the same API as the guarded tables.

    ## Example
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, organization_id bigint NOT NULL, total numeric);
    ```

    ## Use instead
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, organization_id bigint NOT NULL, total numeric);
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    CREATE POLICY invoices_by_org ON invoices
        USING (organization_id = (current_setting('app.organization_id'))::bigint);
    ```
    """
    after = head(ctx)
    if after is None:
        return
    disabled = tables_with_change(ctx, "rls_disabled")
    platform = platform_schemas(ctx.migration_set.platform)  # its tables guard the platform's rows
    touched = {t.name: t for t in touched_tables(ctx)}
    for name in [*touched, *sorted(disabled - set(touched))]:
        schema, _, bare = name.rpartition(".")
        table = after.table(schema or PUBLIC, bare)
        if table is None or table.rls_enabled or table.partition_of is not None:
            continue
        tenant = next((c.name for c in table.columns if c.name in _TENANT_COLUMNS), None)
        change = touched.get(name)
        new_here = change is not None and (change.new or tenant in change.columns)
        if tenant is None or not (new_here or name in disabled):
            continue
        guarded = [
            display_name(t.schema, t.name)
            for t in after.tables
            if t.rls_enabled and t is not table and t.schema not in platform
        ]
        if not guarded:
            continue
        examples = ", ".join(f"`{t}`" for t in guarded[:3])
        yield schema_issue(
            ctx,
            name,
            tenant,
            f"`{name}` has a tenant column (`{tenant}`) but row-level security is off, while "
            f"{examples}{' and others' if len(guarded) > 3 else ''} have it on: nothing in the "
            "database keeps one tenant from another's rows.",
            f"`ALTER TABLE {name} ENABLE ROW LEVEL SECURITY` and add policies on `{tenant}`",
        )
