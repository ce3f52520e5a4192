from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, qualified, strings


@rule("LK030", "domain-constraint-validation", Category.LOCK, Severity.WARNING, {"postgresql"}, lintable=True)
def domain_constraint_validation(ctx: AnalysisContext) -> Iterator[Issue]:
    """`ALTER DOMAIN … ADD CONSTRAINT` or `SET NOT NULL` checks every column that uses the domain.

    ## What it does
    Reports `ALTER DOMAIN … ADD CONSTRAINT` without `NOT VALID`, `ALTER DOMAIN … VALIDATE CONSTRAINT` and
    `ALTER DOMAIN … SET NOT NULL`, on domains the change did not create.

    ## Why is this risky?
    PostgreSQL checks the new constraint against every row of every table with a column of that domain,
    holding a SHARE lock on each of those tables while it reads them: writes to all of them wait until
    the last one is checked, and nothing in the statement names them. A single row that fails the check
    fails the migration.

    ## Example
    ```sql
    ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');
    ```

    ## Use instead
    ```sql
    ALTER DOMAIN email_address ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID;
    ```
    `NOT VALID` applies the check to new values at once; clean the old rows in batches, and validate (a
    scan under the same SHARE locks) at a quiet time, or leave the old rows unchecked.
    """
    created = {
        qualified(strings(stmt.body.get("domainname")))
        for stmt in ctx.statements
        if stmt.kind == "CreateDomainStmt"
    }
    for stmt in ctx.of_kind("AlterDomainStmt"):
        if stmt.kind != "AlterDomainStmt":
            continue
        domain = qualified(strings(stmt.body.get("typeName")))
        subtype = stmt.body.get("subtype")
        constraint = fields(stmt.body.get("def", {}), "Constraint")
        if domain in created:
            continue
        if subtype == "C" and not constraint.get("skip_validation"):
            what = "Adding a constraint to domain"
        elif subtype == "V":
            what = "Validating a constraint of domain"
        elif subtype == "O":
            what = "Setting NOT NULL on domain"
        else:
            continue
        yield Issue(
            message=f"{what} `{domain}` checks every row of every table with a column of that domain, "
            "holding a SHARE lock on each (writes wait) until the last one is read.",
            path=stmt.path,
            line=stmt.line,
            fix="add the constraint NOT VALID, clean old rows in batches, and validate at a quiet time",
            statement=stmt.statement.text,
        )
