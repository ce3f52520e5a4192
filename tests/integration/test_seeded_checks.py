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


def _review_with_down(url: str, up: str, down: str) -> list[Finding]:
    base = (sql_migration(1, BASE + ROLLBACK_BASE, status=MigrationStatus.BASE),)
    head = (*base, sql_migration(2, up, down=down))
    migration_set = MigrationSet("db", "golang-migrate", Dialect.POSTGRESQL, base, head)
    with UrlProvider(url).start() as server:
        result = replay_set(migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=300))
    assert result.rollback is not None and all(
        s.down_run is not None and s.down_run.outcome.value == "applied" for s in result.rollback.steps
    )  # on the empty database the rollback works
    return run_rules(AnalysisContext(migration_set, result))


ROLLBACK_BASE = """
CREATE TABLE events (id integer PRIMARY KEY, code varchar(8) NOT NULL);
CREATE TABLE plans (id integer PRIMARY KEY, name text NOT NULL);
"""


def test_a_down_that_narrows_a_type_back_fails_on_a_value_written_after_the_deploy(local_pg_url: str) -> None:
    findings = _review_with_down(
        local_pg_url,
        "ALTER TABLE events ALTER COLUMN code TYPE text;",
        "ALTER TABLE events ALTER COLUMN code TYPE varchar(8);",
    )
    [finding] = [f for f in findings if f.rule == "RB006"]
    assert finding.message == (
        "the down of `m2` narrows `events.code` back from text to character varying(8) and fails on a value "
        "written after the deploy (a 9-character text, which only text holds): value too long for type "
        "character varying(8). On the empty database the down worked."
    )
    assert finding.path == "db/002.down.sql" and finding.line == 1


def test_a_down_that_narrows_an_integer_back_fails_too(local_pg_url: str) -> None:
    findings = _review_with_down(
        local_pg_url,
        "ALTER TABLE events ALTER COLUMN id TYPE bigint;",
        "ALTER TABLE events ALTER COLUMN id TYPE integer;",
    )
    [finding] = [f for f in findings if f.rule == "RB006"]
    assert "(2147483648, which only bigint holds): integer out of range" in finding.message


def test_rows_the_up_inserts_and_the_down_leaves_are_counted(local_pg_url: str) -> None:
    findings = _review_with_down(
        local_pg_url,
        "INSERT INTO plans (id, name) VALUES (1000, 'team'), (1001, 'enterprise');",
        "SELECT 1;",
    )
    [finding] = [f for f in findings if f.rule == "RB007"]
    assert finding.message == (
        "`m2` inserts into `plans` (line 1) and its down does not delete those rows: `plans` held 300 rows "
        "before the up and 302 after the down, 2 left behind by the rollback."
    )
    assert "db/002.down.sql" in (finding.fix or "")
    quiet = _review_with_down(
        local_pg_url,
        "INSERT INTO plans (id, name) VALUES (1000, 'team');",
        "DELETE FROM plans WHERE id = 1000;",
    )
    assert not {f.rule for f in quiet} & {"RB006", "RB007"}


def test_timestamp_to_timestamptz_shows_what_the_sessions_time_zone_did_to_a_stored_value(
    local_pg_url: str,
) -> None:
    events = "CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);\n"
    base = (sql_migration(1, events, status=MigrationStatus.BASE),)

    def review(change: str) -> list[Finding]:
        migration_set = MigrationSet(
            "db", "golang-migrate", Dialect.POSTGRESQL, base, (*base, sql_migration(2, change))
        )
        with UrlProvider(local_pg_url).start() as server:
            result = replay_set(
                migration_set, server, ReplayOptions(statement_timeout_ms=30_000, seed_rows=50)
            )
        return run_rules(AnalysisContext(migration_set, result))

    [finding] = [
        f
        for f in review("ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;")
        if f.rule == "BF009"
    ]
    assert finding.message.startswith(
        "`events.happened_at` goes from timestamp without time zone to timestamptz without `AT TIME ZONE`"
    )
    shown = re.search(
        r"Replay over 50 seeded rows, in TimeZone `([^`]+)`: `([^`]+)` became `([^`]+)`", finding.message
    )
    assert shown and shown.group(3).startswith(shown.group(2))  # the same wall-clock time, now with an offset
    assert finding.confirmed_by_replay
    said = review(
        "ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz USING happened_at AT TIME ZONE 'UTC';"
    )
    assert "BF009" not in {f.rule for f in said}


def test_a_column_the_change_dropped_earlier_in_its_transaction_is_not_looked_at(local_pg_url: str) -> None:
    """Looking at the rows before a statement never changes what the migration does."""
    change = (
        "BEGIN;\n"
        "ALTER TABLE users ADD COLUMN plan text;\n"
        "ALTER TABLE users DROP COLUMN plan;\n"
        "ALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n"
        "COMMIT;\n"
    )
    result, _ = _review(local_pg_url, change)
    assert result.seeded is not None
    [run] = result.seeded.runs
    assert run.error is not None and run.error.message == 'column "plan" of relation "users" does not exist'
    assert run.error.line == 4  # the statement's own error, not one of the look before it
