from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import RULES, find_rule, rule


@rule("SP001", "unused-ignore", Category.SUPPRESSION, Severity.WARNING, lintable=True)
def unused_ignore(ctx: AnalysisContext) -> Iterator[Issue]:
    """A `-- migration-reviewer: ignore` directive that silences nothing.

    ## What it does
    After every other rule has run, reports each rule named by an ignore directive of the change's files
    that silenced no finding: a misspelt code, a rule that does not exist, or a risk the statement no
    longer has. A directive that names no rule is reported too. Rules turned off in the configuration
    are left alone.

    ## Why is this risky?
    A stale directive silences the next real finding on that statement without anyone deciding it should;
    a misspelt one silences nothing while looking as if it did.

    ## Example
    ```sql
    -- migration-reviewer: ignore LK001 -- small table
    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
    ```
    """
    disabled = [
        name
        for code, choice in ctx.options.rules.items()
        if not choice.enabled
        for name in (code, RULES[code].name)
    ]
    for directive, named in ctx.suppressions.unused(disabled):
        if not named:
            message = f"`{directive.text}` names no rule, so it silences nothing."
        elif find_rule(named) is None:
            message = f"`{directive.text}` names `{named}`, which is no rule of migration-reviewer."
        else:
            message = f"`{directive.text}`: {named} raised nothing here, so the directive silences nothing."
        yield Issue(
            message=message,
            path=directive.path,
            line=directive.line,
            fix="remove the directive, or correct the rule's code (codes and names are in docs/rules/)",
        )
