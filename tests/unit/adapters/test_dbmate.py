from __future__ import annotations

from migration_reviewer.adapters.base import MigrationStatus, ProblemKind, SqlScript, Wrapping
from migration_reviewer.adapters.dbmate import DbmateAdapter

from ._trees import changes, tree

ADAPTER = DbmateAdapter()
USERS = """\
-- migrate:up
CREATE TABLE users (id int);
CREATE INDEX users_id ON users (id);

-- migrate:down
DROP TABLE users;
"""
CONCURRENT = """\
-- a comment before the block is fine
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_id2 ON users (id);
-- migrate:down
DROP INDEX users_id2;
"""
BASE = {"db/migrations/20240101000000_users.sql": USERS}


def test_detects_folders_whose_files_have_the_up_marker() -> None:
    found = ADAPTER.detect(tree({
        **BASE,
        "sql/001_report.sql": "SELECT 1;\n",  # numbered, but no dbmate marker
        "db/schema.sql": "-- migrate:up\n",  # has the marker, but not a migration file name
    }))
    assert found == ["db/migrations"]


def test_sections_start_on_the_line_after_their_marker() -> None:
    mset = ADAPTER.load("db/migrations", changes({}, BASE))
    (migration,) = mset.head_migrations
    path = "db/migrations/20240101000000_users.sql"
    up_text = "CREATE TABLE users (id int);\nCREATE INDEX users_id ON users (id);\n\n"
    assert migration.up == (SqlScript(path, up_text, 2),)
    assert migration.down == (SqlScript(path, "DROP TABLE users;\n", 6),)
    assert (migration.id, migration.name) == ("20240101000000", "users")
    assert migration.status is MigrationStatus.ADDED
    assert migration.wrapping is Wrapping.PER_MIGRATION
    assert mset.problems == ()


def test_transaction_false_means_no_wrapping() -> None:
    head = {**BASE, "db/migrations/20240102000000_index.sql": CONCURRENT}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    added = mset.head_migrations[1]
    assert added.wrapping is Wrapping.NONE
    assert added.up[0].first_line == 3
    assert added.down is not None and added.down[0].first_line == 5


def test_several_blocks_in_one_file_with_mixed_transactions() -> None:
    text = USERS + CONCURRENT.split("\n", 1)[1]
    mset = ADAPTER.load("db/migrations", changes({}, {"db/migrations/1_two.sql": text}))
    (migration,) = mset.head_migrations
    assert [s.first_line for s in migration.up] == [2, 8]
    assert migration.down is not None and [s.first_line for s in migration.down] == [6, 10]
    assert migration.wrapping is Wrapping.NONE
    assert any("some up blocks say transaction:false" in n for n in mset.notes)


def test_orders_by_file_name_like_dbmate() -> None:
    head = {"m/2_b.sql": "-- migrate:up\n-- migrate:down\n", "m/10_c.sql": "-- migrate:up\n-- migrate:down\n",
            "m/1_a.sql": "-- migrate:up\n-- migrate:down\n"}
    mset = ADAPTER.load("m", changes({}, head))
    # dbmate sorts file names as strings: "10_c" before "1_a" ('0' < '_').
    assert [m.id for m in mset.head_migrations] == ["10", "1", "2"]


def test_file_without_up_marker_is_invalid_and_skipped() -> None:
    head = {**BASE, "db/migrations/20240102000000_bad.sql": "CREATE TABLE x ();\n"}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.INVALID, "db/migrations/20240102000000_bad.sql")
    assert "-- migrate:up" in problem.message
    assert [m.id for m in mset.head_migrations] == ["20240101000000"]


def test_malformed_files_point_at_the_offending_line() -> None:
    text = "CREATE TABLE early ();\n-- migrate:up\nSELECT 1;\n"
    mset = ADAPTER.load("m", changes({}, {"m/1_bad.sql": text}))
    assert [(p.kind, p.line) for p in mset.problems] == [(ProblemKind.INVALID, 1), (ProblemKind.INVALID, 2)]
    assert "SQL before '-- migrate:up'" in mset.problems[0].message
    assert "no '-- migrate:down'" in mset.problems[1].message
    assert mset.head_migrations[0].down is None


def test_editing_the_up_block_of_an_applied_file() -> None:
    head = {"db/migrations/20240101000000_users.sql": USERS.replace("users_id ON", "users_idx ON")}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    (problem,) = mset.problems
    assert (problem.kind, problem.line) == (ProblemKind.EDITED_APPLIED, 3)
    assert "dbmate records versions" in problem.message


def test_editing_only_the_down_block_is_no_drift() -> None:
    head = {"db/migrations/20240101000000_users.sql": USERS.replace("users;", "users CASCADE;")}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    assert mset.head_migrations[0].status is MigrationStatus.MODIFIED
    assert mset.problems == ()


def test_out_of_order_and_duplicate_versions() -> None:
    head = {**BASE, "db/migrations/20231231000000_old.sql": USERS,
            "db/migrations/20240101000000_again.sql": CONCURRENT}
    mset = ADAPTER.load("db/migrations", changes(BASE, head))
    kinds = sorted((p.kind, p.path) for p in mset.problems)
    assert kinds == [
        (ProblemKind.DUPLICATE_VERSION, "db/migrations/20240101000000_again.sql"),
        (ProblemKind.DUPLICATE_VERSION, "db/migrations/20240101000000_users.sql"),
        (ProblemKind.OUT_OF_ORDER, "db/migrations/20231231000000_old.sql"),
    ]
    # "_again" sorts first, so it stands for the version; its text differs, but no edit is claimed.
    assert [m.path for m in mset.head_migrations] == [
        "db/migrations/20231231000000_old.sql", "db/migrations/20240101000000_again.sql"]
