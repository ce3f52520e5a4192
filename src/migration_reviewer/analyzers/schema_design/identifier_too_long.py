from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.statements import identifiers

# NAMEDATALEN - 1: PostgreSQL cuts longer names to this many bytes, with a NOTICE only.
MAX_IDENTIFIER_BYTES = 63
# A run of characters that could be a name of 64 bytes (32 characters of two bytes or more): statements
# without one are not scanned.
_MAYBE_LONG = re.compile(r"[^\s,;().'\"]{32}|\"[^\"]{32}")


@rule("SD009", "identifier-too-long", Category.SCHEMA, Severity.WARNING, {"postgresql"}, lintable=True)
def identifier_too_long(ctx: AnalysisContext) -> Iterator[Issue]:
    """A name longer than PostgreSQL keeps (63 bytes).

    ## What it does
    Reports names (tables, columns, indexes, constraints, any identifier) of more than 63 bytes (UTF-8) in
    the change's statements; two names that become the same once cut are an error.

    ## Why is this risky?
    PostgreSQL silently cuts such a name to 63 bytes (a NOTICE nobody reads), so the object exists under
    a name that is not in the migration: the next migration, the ORM or a `DROP … IF EXISTS` that uses
    the full name does not find it. Two long names with the same first 63 bytes collide: the second
    `CREATE` fails, or `IF NOT EXISTS` silently skips it.

    ## Example
    ```sql
    CREATE INDEX index_customer_subscriptions_on_billing_account_id_and_created_at_descending_order
      ON customer_subscriptions (billing_account_id, created_at DESC);
    ```

    ## Use instead
    ```sql
    CREATE INDEX customer_subscriptions_billing_created_idx
      ON customer_subscriptions (billing_account_id, created_at DESC);
    ```
    """
    seen: dict[bytes, tuple[str, str]] = {}  # name cut to 63 bytes → (full name, where)
    for stmt in ctx.statements:
        text = stmt.statement.text
        if stmt.statement.too_large_to_analyse or not _MAYBE_LONG.search(text):
            continue
        for name, offset in identifiers(text):
            if len(name.encode()) <= MAX_IDENTIFIER_BYTES:
                continue
            cut = name.encode()[:MAX_IDENTIFIER_BYTES]
            shown = cut.decode(errors="ignore")
            earlier = seen.get(cut)
            if earlier is not None and earlier[0] == name:
                continue  # the same long name again: reported once
            line = stmt.statement.line_of_offset(offset)
            if earlier is not None:
                message = (
                    f"`{name}` and `{earlier[0]}` ({earlier[1]}) are both cut to `{shown}`: the second "
                    "collides with the first."
                )
                severity: Severity | None = Severity.ERROR
            else:
                message = (
                    f"`{name}` is {len(name.encode())} bytes long: PostgreSQL silently cuts it to "
                    f"`{shown}`, a name the migrations do not use."
                )
                severity = None
                seen[cut] = (name, f"{stmt.path}:{line}")
            yield Issue(
                message=message,
                path=stmt.path,
                line=line,
                fix=f"choose a name of at most {MAX_IDENTIFIER_BYTES} bytes",
                statement=text,
                severity=severity,
            )
