from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule

_SHOWN = 5


@rule("BF203", "sqlite-foreign-key-violations", Category.BACKFILL, Severity.ERROR, {"sqlite"})
def foreign_key_violations(ctx: AnalysisContext) -> Iterator[Issue]:
    """Rows whose parent is gone after the change: `PRAGMA foreign_key_check` finds them.

    ## What it does
    After the change ran on a copy of the base whose tables hold rows, runs `PRAGMA foreign_key_check`
    and reports every row that references a parent row that no longer exists.

    ## Why is this risky?
    With `PRAGMA foreign_keys = OFF` (outside a transaction, as Prisma runs SQLite migrations) nothing
    stops a rebuild from dropping or renumbering parent rows. SQLite does not check the constraints
    again when they are switched back on: the orphans stay, joins lose rows, and the next update of such
    a row fails.

    ## Example
    ```sql
    PRAGMA foreign_keys = OFF;
    CREATE TABLE __new_teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    INSERT INTO __new_teams (name) SELECT name FROM teams;
    DROP TABLE teams;
    ALTER TABLE __new_teams RENAME TO teams;
    PRAGMA foreign_keys = ON;
    ```
    (the ids are not copied, so members point at other teams or none)

    ## Use instead
    ```sql
    PRAGMA foreign_keys = OFF;
    CREATE TABLE __new_teams (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    INSERT INTO __new_teams (id, name) SELECT id, name FROM teams;
    DROP TABLE teams;
    ALTER TABLE __new_teams RENAME TO teams;
    PRAGMA foreign_key_check;
    PRAGMA foreign_keys = ON;
    ```
    """
    seeded = ctx.replay.seeded if ctx.replay is not None else None
    if seeded is None or not seeded.violations:
        return
    shown = "; ".join(seeded.violations[:_SHOWN])
    more = f" and {len(seeded.violations) - _SHOWN:,} more" if len(seeded.violations) > _SHOWN else ""
    last = ctx.migration_set.new_migrations[-1]
    yield Issue(
        message=f"after the change, PRAGMA foreign_key_check finds rows without their parent row (the replay "
        f"over seeded rows): {shown}{more}",
        path=last.path,
        line=1,
        fix="keep the parent rows and their keys when rebuilding a table (copy the id column), and end the "
        "migration with PRAGMA foreign_key_check while foreign keys are off",
        confirmed_by_replay=True,
    )
