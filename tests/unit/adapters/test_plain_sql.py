from __future__ import annotations

from migration_reviewer.adapters.base import Dialect, MigrationStatus, ProblemKind, SqlScript, Wrapping
from migration_reviewer.adapters.plain_sql import PlainSqlAdapter

from ._trees import changes, tree

ADAPTER = PlainSqlAdapter()


def test_claims_numbered_sql_folders_only() -> None:
    files = {
        "migrations/001_init.sql": "CREATE TABLE a ();",
        "schema/migrations/V1__init.sql": "CREATE TABLE a ();",
        "queries/001_report.sql": "SELECT 1;",
        "tests/fixtures/001_seed.sql": "INSERT INTO a VALUES (1);",
        "db/seeds/01_users.sql": "INSERT INTO a VALUES (1);",
        "node_modules/pkg/migrations/001_x.sql": "SELECT 1;",
        "sql/report.sql": "SELECT 1;",  # not numbered
    }
    assert ADAPTER.detect(tree(files)) == ["migrations", "schema/migrations"]


def test_natural_order_and_down_pairing() -> None:
    files = {
        "sql/10_last.sql": "SELECT 10;",
        "sql/2_second.up.sql": "SELECT 2;",
        "sql/2_second.down.sql": "SELECT -2;",
        "sql/1_first.sql": "SELECT 1;",
        "sql/1_first_down.sql": "SELECT -1;",
        "sql/3_shut_down.sql": "SELECT 3;",  # no "3_shut" up file: this is an up of its own
    }
    mset = ADAPTER.load("sql", changes({}, files))
    assert [m.id for m in mset.head_migrations] == ["1_first", "2_second", "3_shut_down", "10_last"]
    first, second, third, _ = mset.head_migrations
    assert first.down == (SqlScript("sql/1_first_down.sql", "SELECT -1;"),)
    assert second.down == (SqlScript("sql/2_second.down.sql", "SELECT -2;"),)
    assert second.name == "second"
    assert third.down is None
    assert {m.wrapping for m in mset.head_migrations} == {Wrapping.NONE}
    assert mset.dialect is Dialect.POSTGRESQL
    assert mset.problems == ()


def test_shared_number_is_reported_on_both_files() -> None:
    base = {"migrations/001_init.sql": "SELECT 1;", "migrations/002_users.sql": "SELECT 2;"}
    head = {**base, "migrations/002_accounts.sql": "SELECT 3;"}
    mset = ADAPTER.load("migrations", changes(base, head))
    assert [(p.kind, p.path) for p in mset.problems] == [
        (ProblemKind.DUPLICATE_VERSION, "migrations/002_accounts.sql"),
        (ProblemKind.DUPLICATE_VERSION, "migrations/002_users.sql"),
        (ProblemKind.OUT_OF_ORDER, "migrations/002_accounts.sql"),
    ]
    assert [m.status for m in mset.head_migrations] == [
        MigrationStatus.BASE, MigrationStatus.ADDED, MigrationStatus.BASE]


def test_flyway_versions_undo_and_repeatables() -> None:
    files = {
        "db/V1.10__later.sql": "SELECT 110;",
        "db/V1.9__earlier.sql": "SELECT 19;",
        "db/U1.9__earlier.sql": "SELECT -19;",
        "db/V2__two.sql": "SELECT 2;",
        "db/R__views.sql": "CREATE VIEW v AS SELECT 1;",
        "db/notes.sql": "SELECT 0;",
    }
    mset = ADAPTER.load("db", changes({}, files))
    assert [m.id for m in mset.head_migrations] == ["1.9", "1.10", "2", "R__views"]
    assert mset.head_migrations[0].down == (SqlScript("db/U1.9__earlier.sql", "SELECT -19;"),)
    assert mset.head_migrations[0].name == "earlier"
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.INVALID, "db/notes.sql")


def test_flyway_edits_of_versioned_and_repeatable_migrations() -> None:
    base = {"db/V1__init.sql": "SELECT 1;", "db/R__views.sql": "CREATE VIEW v AS SELECT 1;"}
    head = {"db/V1__init.sql": "SELECT 1;\nSELECT 11;", "db/R__views.sql": "CREATE VIEW v AS SELECT 2;",
            "db/V0_5__early.sql": "SELECT 0.5;", "db/R__more.sql": "SELECT 1;"}
    mset = ADAPTER.load("db", changes(base, head))
    # Flyway re-runs an edited repeatable, and a new repeatable has no place in the version order.
    assert [(p.kind, p.path, p.line) for p in mset.problems] == [
        (ProblemKind.OUT_OF_ORDER, "db/V0_5__early.sql", None),
        (ProblemKind.EDITED_APPLIED, "db/V1__init.sql", 2),
    ]
    assert "Flyway" in mset.problems[0].message


def test_flyway_duplicate_versions_are_not_loaded() -> None:
    mset = ADAPTER.load("db", changes({}, {"db/V1__a.sql": "SELECT 1;", "db/V1_0__b.sql": "SELECT 2;"}))
    assert [p.kind for p in mset.problems] == [ProblemKind.DUPLICATE_VERSION] * 2
    assert mset.head_migrations == ()
