from __future__ import annotations

from migration_reviewer.adapters.base import (
    Dialect,
    MigrationStatus,
    PlanProblem,
    ProblemKind,
    SqlScript,
    Wrapping,
)
from migration_reviewer.adapters.golang_migrate import GolangMigrateAdapter

from ._trees import changes, tree

ADAPTER = GolangMigrateAdapter()
BASE = {
    "db/migrations/1_users.up.sql": "CREATE TABLE users (id int);\n",
    "db/migrations/1_users.down.sql": "DROP TABLE users;\n",
    "db/migrations/2_emails.up.sql": "ALTER TABLE users ADD email text;\n",
}


def test_detects_folders_with_up_files_only() -> None:
    found = ADAPTER.detect(tree({
        **BASE,
        "mongo/1_x.up.json": "[]",
        "docs/1_notes.sql": "SELECT 1;",
        "vendor/github.com/x/migrations/1_a.up.sql": "SELECT 1;",
    }))
    assert found == ["db/migrations"]


def test_orders_versions_numerically_and_pairs_downs() -> None:
    head = {**BASE, "db/migrations/10_orders.up.sql": "CREATE TABLE orders ();\n",
            "db/migrations/3_posts.up.sql": "CREATE TABLE posts ();\n"}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert [m.id for m in mset.head_migrations] == ["1", "2", "3", "10"]
    assert [m.status for m in mset.head_migrations] == [
        MigrationStatus.BASE, MigrationStatus.BASE, MigrationStatus.ADDED, MigrationStatus.ADDED]
    first = mset.head_migrations[0]
    assert first.name == "users"
    assert first.down == (SqlScript("db/migrations/1_users.down.sql", "DROP TABLE users;\n"),)
    assert first.files == ("db/migrations/1_users.up.sql", "db/migrations/1_users.down.sql")
    assert mset.head_migrations[1].down is None
    assert {m.wrapping for m in mset.head_migrations} == {Wrapping.SCRIPT}
    assert [m.id for m in mset.new_migrations] == ["3", "10"]
    assert [m.id for m in mset.base_migrations] == ["1", "2"]
    assert mset.problems == ()


def test_new_version_below_the_newest_on_base_is_out_of_order() -> None:
    base = {**BASE, "db/migrations/20240105_late.up.sql": "SELECT 1;"}
    head = {**base, "db/migrations/20240101_early.up.sql": "SELECT 2;"}
    mset = ADAPTER.load("db/migrations", changes(base, head))
    (problem,) = mset.problems
    assert problem.kind is ProblemKind.OUT_OF_ORDER
    assert problem.path == "db/migrations/20240101_early.up.sql"
    assert "sorts before 20240105" in problem.message
    assert "skip it silently" in problem.message


def test_edited_applied_migration_points_at_the_changed_line() -> None:
    edited = "CREATE TABLE users (id int);\nCREATE INDEX ON users (id);\n"
    head = {**BASE, "db/migrations/1_users.up.sql": edited}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert mset.head_migrations[0].status is MigrationStatus.MODIFIED
    (problem,) = mset.problems
    assert (problem.kind, problem.path, problem.line) == (
        ProblemKind.EDITED_APPLIED, "db/migrations/1_users.up.sql", 2)
    assert "already applied wherever the base branch was deployed" in problem.message


def test_editing_only_the_down_file_is_a_modification_but_no_drift() -> None:
    head = {**BASE, "db/migrations/1_users.down.sql": "DROP TABLE IF EXISTS users;\n"}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert mset.head_migrations[0].status is MigrationStatus.MODIFIED
    assert mset.problems == ()
    assert mset.touched


def test_deleted_applied_migration_is_a_problem_not_a_head_migration() -> None:
    head = {k: v for k, v in BASE.items() if not k.startswith("db/migrations/2_")}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert [m.id for m in mset.head_migrations] == ["1"]
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.DELETED_APPLIED, "db/migrations/2_emails.up.sql")


def test_renaming_the_title_keeps_the_migration() -> None:
    head = {k.replace("2_emails", "2_user_emails"): v for k, v in BASE.items()}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert [(m.id, m.status) for m in mset.head_migrations] == [
        ("1", MigrationStatus.BASE), ("2", MigrationStatus.BASE)]
    assert mset.problems == ()


def test_duplicate_versions_are_reported_on_every_file_and_not_loaded() -> None:
    head = {**BASE, "db/migrations/002_other.up.sql": "SELECT 1;", "db/migrations/3_posts.sql": "SELECT 1;",
            "db/migrations/4_only.down.sql": "SELECT 1;"}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert [(p.kind, p.path) for p in mset.problems] == [
        (ProblemKind.INVALID, "db/migrations/3_posts.sql"),
        (ProblemKind.DUPLICATE_VERSION, "db/migrations/002_other.up.sql"),
        (ProblemKind.DUPLICATE_VERSION, "db/migrations/2_emails.up.sql"),
        (ProblemKind.MISSING_FILE, "db/migrations/4_only.down.sql"),
    ]
    assert mset.problems[1].message == (
        "002_other.up.sql and 2_emails.up.sql share version 2: golang-migrate refuses to run with duplicate "
        "migration files")
    # The runner refuses version 2 altogether; it is neither loaded nor reported as deleted or edited.
    assert [m.id for m in mset.head_migrations] == ["1"]


def test_unreadable_file_is_reported_and_the_rest_loads() -> None:
    head: dict[str, str | bytes] = {
        **BASE, "db/migrations/3_blob.up.sql": b"\x00\x01binary", "db/migrations/4_ok.up.sql": "SELECT 1;"}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert mset.problems == (PlanProblem(
        ProblemKind.UNREADABLE, "3_blob.up.sql is binary or not UTF-8 text: it is left out of the review",
        "db/migrations/3_blob.up.sql"),)
    assert [m.id for m in mset.head_migrations] == ["1", "2", "4"]


def test_an_applied_file_turning_unreadable_is_not_reported_deleted() -> None:
    head: dict[str, str | bytes] = {**BASE, "db/migrations/2_emails.up.sql": b"\xff\xfe"}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert [p.kind for p in mset.problems] == [ProblemKind.UNREADABLE]


def test_dialect_follows_the_folder_name() -> None:
    files = {"migrations/mysql/1_a.up.sql": "SELECT 1;", "migrations/sqlite/1_a.up.sql": "SELECT 1;"}
    change = changes({}, files)
    assert ADAPTER.load("migrations/mysql", change).dialect is Dialect.MYSQL
    assert ADAPTER.load("migrations/sqlite", change).dialect is Dialect.SQLITE
    assert ADAPTER.load("db/migrations", changes(BASE, BASE)).dialect is Dialect.POSTGRESQL


def test_folder_only_on_base_loads_as_all_deleted() -> None:
    mset = ADAPTER.load("db/migrations", changes(BASE, {}))
    assert mset.head_migrations == ()
    assert [p.kind for p in mset.problems] == [ProblemKind.DELETED_APPLIED] * 2
