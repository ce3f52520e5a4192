from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.schema.model import ConstraintKind

_NAME = r"""[`"\[]?(?:\w+[`"\]]?\.[`"\[]?)?({name})[`"\]]?"""
_DELETES = r"\b(?:DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?)\s+"
_DROPS = r"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?"


@rule("BF008", "seeded-rows-lost", Category.BACKFILL, Severity.ERROR)
def seeded_rows_lost(ctx: AnalysisContext) -> Iterator[Issue]:
    """A table holds fewer rows after the change, though no statement of it deletes from that table.

    ## What it does
    Counts the rows of every table the replay seeded just before the change and just after it, and
    reports a table that lost rows without a `DELETE` or `TRUNCATE` of its own: rows dropped by a
    rebuild that copies only some of them back, or child rows deleted through `ON DELETE CASCADE` when
    the table they reference is dropped and created again (SQLite's table rebuild, with foreign keys
    still enforced inside the runner's transaction). A rebuild that keeps every row (a backup in a
    temporary table, copied back) is not reported.

    ## Why is this risky?
    The loss is silent: the migration succeeds, the schema is right, and the rows are gone in
    production too, where no down migration brings them back.

    ## Example
    ```sql
    CREATE TABLE users (id integer PRIMARY KEY, email text);
    CREATE TABLE posts (id integer PRIMARY KEY, author_id integer REFERENCES users (id) ON DELETE CASCADE);
    DROP TABLE users;
    CREATE TABLE users (id integer PRIMARY KEY, email text, name text);
    ```

    ## Use instead
    ```sql
    CREATE TABLE users (id integer PRIMARY KEY, email text);
    CREATE TABLE posts (id integer PRIMARY KEY, author_id integer REFERENCES users (id) ON DELETE CASCADE);
    ALTER TABLE users ADD COLUMN name text;
    ```
    Or rebuild with foreign keys switched off outside the transaction, and copy every row back.
    """
    seeded = ctx.replay.seeded if ctx.replay is not None else None
    if seeded is None or not ctx.statements:
        return
    for table, before in seeded.rows_before.items():
        after = seeded.rows_after.get(table)
        if after is None or after >= before:
            continue  # a table dropped on purpose is another rule's finding
        bare = re.escape(table.rsplit(".", 1)[-1])
        if _first(ctx.statements, _DELETES + _NAME.format(name=bare)) is not None:
            continue  # the change deletes from it itself (BF005)
        cause = ""
        where = ctx.statements[0]
        existing = ctx.existing_table(table)
        for fk in existing.constraints if existing is not None else ():
            if fk.kind is not ConstraintKind.FOREIGN_KEY or fk.references is None:
                continue
            parent = fk.references.name
            dropped = _first(ctx.statements, _DROPS + _NAME.format(name=re.escape(parent)))
            if dropped is not None and (fk.on_delete or "").upper() == "CASCADE":
                cause = (
                    f": `{parent}` is dropped on line {dropped.line} and its rows take `{table}`'s with them "
                    "through ON DELETE CASCADE"
                )
                where = dropped
                break
        lost = before - after
        yield Issue(
            message=(
                f"`{table}` held {before:,} seeded rows before the change and {after:,} after it, and no "
                f"statement of the change deletes from it: the change loses {lost:,} rows{cause}."
            ),
            path=where.path,
            line=where.line,
            table=table,
            fix=(
                "keep the rows: change the table in place where the server can, or rebuild it with foreign "
                "keys off (outside the runner's transaction) and copy every row back; check the count "
                "before and after in a test"
            ),
            confirmed_by_replay=True,
        )


def _first(statements: tuple[SqlStatement, ...], pattern: str) -> SqlStatement | None:
    found = re.compile(pattern, re.I)
    return next((s for s in statements if found.search(s.statement.text)), None)
