from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.backfill._common import VALUES_IN_THE_WAY, rows_in_the_way
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.replay.result import RowEvidence

# invalid input value for enum "FieldType": "SELECT"; value too long for type character varying(5)
_NAMED_VALUE = re.compile(r'invalid input (?:value for enum|syntax for type) [^:]+: "(.*)"$')
_SHOWN_VALUES = 5


@rule("BF007", "retype-over-held-values", Category.BACKFILL, Severity.ERROR, {"postgresql"})
def retype_over_held_values(ctx: AnalysisContext) -> Iterator[Issue]:
    """A column's type is changed (an enum value removed, a type swapped or narrowed) while rows hold
    values the new type cannot take.

    ## What it does
    In the replay over seeded rows (where every enum label appears), counts the values of the column just
    before `ALTER COLUMN … TYPE` runs and, where the statement fails on them, names the value, how many
    rows hold it, and the `UPDATE` to run first. Prisma removes an enum value this way: it renames the
    type, creates it again without the value and casts the column.

    ## Why is this risky?
    On an empty database the cast succeeds; in production it fails on the first row holding the removed
    value (or a value too long or too large for the new type), in the middle of the deploy, under an
    ACCESS EXCLUSIVE lock.

    ## Example
    ```sql
    CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
    CREATE TABLE people (id bigint PRIMARY KEY, mood mood NOT NULL);
    INSERT INTO people VALUES (1, 'meh');
    ALTER TYPE mood RENAME TO mood_old;
    CREATE TYPE mood AS ENUM ('happy', 'sad');
    ALTER TABLE people ALTER COLUMN mood TYPE mood USING (mood::text::mood);
    ```

    ## Use instead
    ```sql
    CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
    CREATE TABLE people (id bigint PRIMARY KEY, mood mood NOT NULL);
    INSERT INTO people VALUES (1, 'meh');
    UPDATE people SET mood = 'sad' WHERE mood = 'meh';
    ALTER TYPE mood RENAME TO mood_old;
    CREATE TYPE mood AS ENUM ('happy', 'sad');
    ALTER TABLE people ALTER COLUMN mood TYPE mood USING (mood::text::mood);
    ```
    """
    for stmt in ctx.statements:
        step = stmt.seeded_run
        if step is None or step.error is None or step.error.sqlstate not in VALUES_IN_THE_WAY:
            continue
        evidence = rows_in_the_way(step)
        if evidence is None:
            continue
        named = _NAMED_VALUE.search(step.error.message)
        value = named.group(1) if named else None
        count = evidence.count_of(value) if value is not None else None
        if value is not None and count is not None:
            held = (
                f"{count:,} of {evidence.rows:,} seeded rows hold `{value}`, which the new type does not take"
            )
            update = (
                f"UPDATE {evidence.table} SET {evidence.column} = <a value of the new type> "
                f"WHERE {evidence.column} = '{value}'"
            )
        else:
            held = f"rows hold values the new type does not take ({_values(evidence)})"
            update = f"UPDATE {evidence.table} SET {evidence.column} = … WHERE <the rows the cast rejects>"
        yield Issue(
            message=(
                f"`{evidence.table}.{evidence.column}` changes type while {held}: the ALTER fails on them "
                f"({step.error.message})."
            ),
            path=stmt.path,
            line=stmt.line,
            table=evidence.table,
            fix=(
                f"move those rows first, in an earlier migration and in batches: `{update}`; check "
                f"production with `SELECT {evidence.column}, count(*) FROM {evidence.table} GROUP BY 1`"
            ),
            confirmed_by_replay=True,
            statement=stmt.statement.text,
        )


def _values(evidence: RowEvidence) -> str:
    shown = ", ".join(f"`{v}` {n:,} rows" for v, n in evidence.values[:_SHOWN_VALUES])
    more = len(evidence.values) - _SHOWN_VALUES
    return shown + (f" and {more:,} more values" if more > 0 else "")
