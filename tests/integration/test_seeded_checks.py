"""Checks that need rows, on the replay over seeded rows of a real PostgreSQL: what a reviewer reads."""

from __future__ import annotations

import re

from migration_reviewer.adapters.base import Dialect, MigrationSet, MigrationStatus
from migration_reviewer.analyzers import run_rules
from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.replay.engine import ReplayOptions, replay_set
from migration_reviewer.replay.providers.url import UrlProvider
from migration_reviewer.replay.result import SetReplay
from sql_migrations import sql_migration

BASE = """
CREATE TYPE "FieldType" AS ENUM ('TEXT', 'NUMBER', 'SELECT');
CREATE TABLE "Field" (id text PRIMARY KEY, type "FieldType" NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, name text);
"""

# How Prisma removes an enum value.
REMOVE_ENUM_VALUE = """
ALTER TYPE "FieldType" RENAME TO "FieldType_old";
CREATE TYPE "FieldType" AS ENUM ('TEXT', 'NUMBER');
ALTER TABLE "Field" ALTER COLUMN "type" TYPE "FieldType" USING ("type"::text::"FieldType");
DROP TYPE "FieldType_old";
"""

PARTIAL_BACKFILL = """
ALTER TABLE users ADD COLUMN plan text;
UPDATE users SET plan = 'free' WHERE id <= 100;
ALTER TABLE users ALTER COLUMN plan SET NOT NULL;
"""


def _review(url: str, *changes: str, rows: int = 300) -> tuple[SetReplay, list[Finding]]:
    base = (sql_migration(1, BASE, status=MigrationStatus.BASE),)
    new = tuple(sql_migration(n, sql) for n, sql in enumerate(changes, start=2))
    migration_set = MigrationSet("db", "golang-migrate", Dialect.POSTGRESQL, base, (*base, *new))
    with UrlProvider(url).start() as server:
        result = replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=rows))
    return result, run_rules(AnalysisContext(migration_set, result))


def test_removing_an_enum_value_rows_hold_names_the_value_the_rows_and_the_update(local_pg_url: str) -> None:
    result, findings = _review(local_pg_url, REMOVE_ENUM_VALUE)
    assert result.seeded is not None and result.seeded.rows.rows_of("Field") == 300
    [finding] = [f for f in findings if f.rule == "BF007"]
    held = re.search(r"(\d+) of 300 seeded rows hold `SELECT`, which the new type does not", finding.message)
    assert held and 90 <= int(held.group(1)) <= 110  # a third of the rows: every label appears
    assert finding.line == 4 and finding.confirmed_by_replay
    assert "UPDATE Field SET type = <a value of the new type> WHERE type = 'SELECT'" in (finding.fix or "")
    assert "RP004" not in {f.rule for f in findings}  # said once, with the rows


def test_a_backfill_that_leaves_rows_null_before_set_not_null_says_how_many_and_which(
    local_pg_url: str,
) -> None:
    _, findings = _review(local_pg_url, PARTIAL_BACKFILL)
    [finding] = [f for f in findings if f.rule == "BF006"]
    assert "the backfill on line 3 leaves 200 of 300 seeded rows with `plan` NULL" in finding.message
    assert "(the first: `id=101`)" in finding.message
    assert finding.severity.value == "error" and finding.line == 4
    assert "RP004" not in {f.rule for f in findings}


def test_a_change_that_moves_every_row_first_is_quiet(local_pg_url: str) -> None:
    _, findings = _review(
        local_pg_url,
        "UPDATE \"Field\" SET type = 'TEXT' WHERE type = 'SELECT';" + REMOVE_ENUM_VALUE,
        "ALTER TABLE users ADD COLUMN plan text; UPDATE users SET plan = 'free' WHERE plan IS NULL;"
        " ALTER TABLE users ALTER COLUMN plan SET NOT NULL;",
    )
    assert not {f.rule for f in findings} & {"BF006", "BF007", "RP004"}
