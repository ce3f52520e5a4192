from __future__ import annotations

import re
from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule
from migration_reviewer.analyzers.sqlite._common import rebuilds
from migration_reviewer.schema.model import PUBLIC, RelationKind


@rule("SD201", "sqlite-rebuild-drops-objects", Category.SCHEMA, Severity.ERROR, {"sqlite"})
def rebuild_drops_objects(ctx: AnalysisContext) -> Iterator[Issue]:
    """A SQLite table rebuild that loses the table's triggers or indexes, or trips over its views.

    ## What it does
    Finds the rebuilds of the change (`CREATE TABLE __new_t …; INSERT INTO __new_t SELECT …; DROP TABLE
    t; ALTER TABLE __new_t RENAME TO t`, as drizzle-kit, Prisma and hand-written migrations do it) and
    compares the table in the replayed schemas before and after: every trigger and index of the old
    table that the new one does not have is reported, and so is every view over the table.

    ## Why is this risky?
    `DROP TABLE` takes the table's triggers and indexes with it, and the ORM only recreates what its
    schema file knows: hand-written triggers (audit logs, updated_at, counters) vanish without an error,
    and the queries they served change behaviour. A view that selects from the table makes the rename
    fail on current SQLite (`error in view …: no such table`), and breaks the view on older versions.

    ## Example
    ```sql
    CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    INSERT INTO __new_users (id, email) SELECT id, email FROM users;
    DROP TABLE users;
    ALTER TABLE __new_users RENAME TO users;
    ```
    (users had a trigger `users_touch`)

    ## Use instead
    ```sql
    CREATE TABLE __new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    INSERT INTO __new_users (id, email) SELECT id, email FROM users;
    DROP TABLE users;
    ALTER TABLE __new_users RENAME TO users;
    CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END;
    ```
    Recreate every trigger and index after the rename, and drop the views over the table before the
    rebuild and create them again after it.
    """
    replay = ctx.replay
    if replay is None or replay.before is None or replay.after is None:
        return
    for rebuild in rebuilds(ctx):
        old = replay.before.table(PUBLIC, rebuild.table)
        if old is None:
            continue
        new = replay.after.table(PUBLIC, rebuild.table)
        kept_triggers = {t.name for t in new.triggers} if new is not None else set()
        kept_indexes = {i.name for i in new.indexes} if new is not None else set()
        lost_triggers = [t.name for t in old.triggers if t.name not in kept_triggers]
        lost_indexes = [i.name for i in old.indexes if i.name not in kept_indexes]
        word = re.compile(rf"\b{re.escape(rebuild.table)}\b", re.I)
        views = [
            v.name
            for v in replay.before.tables
            if v.kind is RelationKind.VIEW and word.search(v.definition or "")
        ]
        if not (lost_triggers or lost_indexes or views):
            continue
        lost = [f"trigger `{name}`" for name in lost_triggers] + [f"index `{name}`" for name in lost_indexes]
        parts = []
        if lost:
            parts.append(f"after it {', '.join(lost)} {'is' if len(lost) == 1 else 'are'} gone")
        if views:
            listed = ", ".join(f"`{name}`" for name in views)
            parts.append(
                f"view(s) {listed} select from `{rebuild.table}`: SQLite refuses the rename while they do "
                "(or, with legacy_alter_table, leaves them broken)"
            )
        yield Issue(
            message=f"the rebuild of `{rebuild.table}` drops the old table with everything attached to it: "
            + "; ".join(parts),
            path=rebuild.drop.path,
            line=rebuild.drop.line,
            table=rebuild.table,
            statement=rebuild.drop.statement.text,
            fix="recreate the triggers and indexes after the RENAME, and drop the views before the rebuild "
            "and create them again after it",
            confirmed_by_replay=True,
            severity=Severity.ERROR if lost_triggers or views else Severity.WARNING,
        )
