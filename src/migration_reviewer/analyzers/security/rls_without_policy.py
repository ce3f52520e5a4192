from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.schema_design._common import head, schema_issue, tables_with_change
from migration_reviewer.schema.model import PUBLIC


@rule("SC002", "rls-without-policy", Category.SECURITY, Severity.INFO, {"postgresql"})
def rls_without_policy(ctx: AnalysisContext) -> Iterator[Issue]:
    """Row-level security is enabled on a table that has no policy.

    ## What it does
    In the schema after the change, reports tables with RLS enabled and no policy, among the tables the
    change creates, enables RLS on, or drops a policy from.

    ## Why is this risky?
    With RLS on and no policy, PostgreSQL denies every row to every role but the table's owner and
    superusers (or BYPASSRLS roles): the application sees an empty table and its writes fail. That is
    sometimes the intent (a table only the backend's owner role touches); more often the policy was
    forgotten or dropped by mistake.

    ## Example
    ```sql
    ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
    ```

    ## Use instead
    ```sql
    ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
    CREATE POLICY profiles_own ON profiles USING (user_id = current_setting('app.user_id')::bigint);
    ```
    """
    after = head(ctx)
    if after is None:
        return
    for name in sorted(tables_with_change(ctx, "table_added", "rls_enabled", "policy_dropped")):
        schema, _, bare = name.rpartition(".")
        table = after.table(schema or PUBLIC, bare)
        if table is None or not table.rls_enabled or table.policies:
            continue
        yield schema_issue(
            ctx,
            name,
            "ROW LEVEL SECURITY",
            f"row-level security is on for `{name}` but it has no policy: every role but its owner (and "
            "BYPASSRLS roles) sees no rows and cannot write.",
            f"add a policy (`CREATE POLICY … ON {name} USING (…)`), or note that only the owner role uses it",
        )
