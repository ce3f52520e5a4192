from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import fields, qualified, strings

_CHECKED = {"CONSTR_CHECK": "CHECK", "CONSTR_NOTNULL": "NOT NULL"}


@rule("SD010", "domain-with-constraint", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True)
def domain_with_constraint(ctx: AnalysisContext) -> Iterator[Issue]:
    """A domain is created with a `CHECK` or `NOT NULL` constraint.

    ## What it does
    Reports `CREATE DOMAIN` with a `CHECK` or `NOT NULL` constraint.

    ## Why is this risky?
    The rule then lives in the type, not the tables: changing it later (`ALTER DOMAIN … ADD CONSTRAINT`)
    checks every row of every table that uses the domain, under a SHARE lock on each, and dropping or
    loosening it needs every column moved off the domain first. A domain's `NOT NULL` is not even
    enforced everywhere (an outer join or a new column without default yields NULLs of the domain).

    ## Example
    ```sql
    CREATE DOMAIN positive_amount AS numeric(12,2) CHECK (VALUE > 0);
    ```

    ## Use instead
    ```sql
    CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL CHECK (amount > 0));
    ```
    Put the check on the table's column: it can be added `NOT VALID`, validated without blocking writes,
    and changed one table at a time.
    """
    for stmt in ctx.of_kind("CreateDomainStmt"):
        if stmt.kind != "CreateDomainStmt":
            continue
        kinds = [
            _CHECKED[contype]
            for node in stmt.body.get("constraints", ())
            if (contype := fields(node, "Constraint").get("contype")) in _CHECKED
        ]
        if not kinds:
            continue
        domain = qualified(strings(stmt.body.get("domainname")))
        carried = " and ".join(dict.fromkeys(kinds))
        yield Issue(
            message=f"Domain `{domain}` carries {carried}: changing that rule later checks every table that "
            "uses the domain under lock, all at once.",
            path=stmt.path,
            line=stmt.line,
            fix="declare the constraint on the tables' columns instead, where it can be added NOT VALID and "
            "validated table by table",
            statement=stmt.statement.text,
        )
