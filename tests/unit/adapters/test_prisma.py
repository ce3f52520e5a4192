from __future__ import annotations

from migration_reviewer.adapters.base import Dialect, MigrationStatus, ProblemKind, SqlScript, Wrapping
from migration_reviewer.adapters.prisma import PrismaAdapter

from ._trees import changes, tree

ADAPTER = PrismaAdapter()
LOCK = 'provider = "postgresql"\n'
BASE = {
    "prisma/schema.prisma": "datasource db { provider = \"postgresql\" }\n",
    "prisma/migrations/migration_lock.toml": LOCK,
    "prisma/migrations/20240101000000_init/migration.sql": 'CREATE TABLE "User" (id int);\n',
    "prisma/migrations/20240201000000_email/migration.sql": 'ALTER TABLE "User" ADD "email" text;\n',
}


def test_detects_every_folder_with_a_lock_file() -> None:
    files = {
        **{k.replace("prisma/", "packages/db/prisma/"): v for k, v in BASE.items()},
        **{k.replace("prisma/", "apps/api/prisma/"): v for k, v in BASE.items()},
        "node_modules/pkg/prisma/migrations/migration_lock.toml": LOCK,
    }
    assert sorted(ADAPTER.detect(tree(files))) == [
        "apps/api/prisma/migrations", "packages/db/prisma/migrations"]


def test_monorepo_sets_load_independently() -> None:
    head = {
        **{k.replace("prisma/", "packages/a/prisma/"): v for k, v in BASE.items()},
        **{k.replace("prisma/", "packages/b/prisma/"): v for k, v in BASE.items()},
        "packages/b/prisma/migrations/migration_lock.toml": 'provider = "mysql"\n',
        "packages/b/prisma/migrations/20240301000000_posts/migration.sql": "CREATE TABLE posts (id int);\n",
    }
    new = "packages/b/prisma/migrations/20240401000000_x/migration.sql"
    change = changes(head, {**head, new: "SELECT 1;"})
    a = ADAPTER.load("packages/a/prisma/migrations", change)
    b = ADAPTER.load("packages/b/prisma/migrations", change)
    assert (a.dialect, b.dialect) == (Dialect.POSTGRESQL, Dialect.MYSQL)
    assert not a.touched
    assert [m.id for m in b.new_migrations] == ["20240401000000_x"]
    assert len(b.head_migrations) == 4


def test_folders_in_name_order_with_optional_down() -> None:
    head = {**BASE,
            "prisma/migrations/20240301000000_posts/migration.sql": "CREATE TABLE posts (id int);\n",
            "prisma/migrations/20240301000000_posts/down.sql": "DROP TABLE posts;\n",
            "prisma/migrations/20240301000000_posts/README.md": "why\n"}
    mset = ADAPTER.load("prisma/migrations", changes(BASE, head))
    assert [m.id for m in mset.head_migrations] == [
        "20240101000000_init", "20240201000000_email", "20240301000000_posts"]
    posts = mset.head_migrations[2]
    assert posts.name == "posts"
    assert posts.status is MigrationStatus.ADDED
    assert posts.wrapping is Wrapping.SCRIPT
    down_path = "prisma/migrations/20240301000000_posts/down.sql"
    assert posts.down == (SqlScript(down_path, "DROP TABLE posts;\n"),)
    assert "prisma/migrations/20240301000000_posts/README.md" in posts.files
    assert mset.head_migrations[0].down is None
    assert mset.problems == ()


def test_folder_without_migration_sql() -> None:
    head = {**BASE, "prisma/migrations/20240301000000_broken/notes.txt": "todo\n"}
    mset = ADAPTER.load("prisma/migrations", changes(BASE, head))
    (problem,) = mset.problems
    assert problem.kind is ProblemKind.MISSING_FILE
    assert problem.path == "prisma/migrations/20240301000000_broken"
    assert "P3015" in problem.message


def test_edited_applied_migration_mentions_the_checksum() -> None:
    head = {**BASE, "prisma/migrations/20240101000000_init/migration.sql": 'CREATE TABLE "User" (id bigint);'}
    mset = ADAPTER.load("prisma/migrations", changes(BASE, head))
    (problem,) = mset.problems
    assert (problem.kind, problem.line) == (ProblemKind.EDITED_APPLIED, 1)
    assert "checksum" in problem.message


def test_deleted_and_out_of_order_migrations() -> None:
    head = {k: v for k, v in BASE.items() if "_email" not in k}
    head["prisma/migrations/20240115000000_branch/migration.sql"] = "SELECT 1;\n"
    mset = ADAPTER.load("prisma/migrations", changes(BASE, head))
    assert sorted((p.kind, p.path) for p in mset.problems) == [
        (ProblemKind.DELETED_APPLIED, "prisma/migrations/20240201000000_email/migration.sql"),
        (ProblemKind.OUT_OF_ORDER, "prisma/migrations/20240115000000_branch/migration.sql"),
    ]


def test_unsupported_provider_is_reported_and_not_loaded() -> None:
    head = {**BASE, "prisma/migrations/migration_lock.toml": 'provider = "sqlserver"\n'}
    mset = ADAPTER.load("prisma/migrations", changes(head, head))
    assert mset.head_migrations == mset.base_migrations == ()
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.INVALID, "prisma/migrations/migration_lock.toml")
    assert "sqlserver" in problem.message


def test_provider_change_and_broken_lock_file() -> None:
    switched = ADAPTER.load("prisma/migrations", changes(BASE, {
        **BASE, "prisma/migrations/migration_lock.toml": 'provider = "sqlite"\n'}))
    assert switched.dialect is Dialect.SQLITE
    assert [p.kind for p in switched.problems] == [ProblemKind.INVALID]
    assert "changed from" in switched.problems[0].message

    broken = ADAPTER.load("prisma/migrations", changes(BASE, {
        **BASE, "prisma/migrations/migration_lock.toml": "provider = \n"}))
    assert broken.dialect is Dialect.POSTGRESQL  # the base side still says so
    assert [p.kind for p in broken.problems] == [ProblemKind.INVALID]
    assert "not valid TOML" in broken.problems[0].message
