from __future__ import annotations

import json

import pytest

from migration_reviewer.adapters import ADAPTERS, detect_sets, load_plan
from migration_reviewer.adapters.base import MigrationStatus, ProblemKind
from migration_reviewer.errors import ConfigError

from ._trees import changes, tree

JOURNAL = json.dumps({"dialect": "sqlite", "entries": [{"idx": 0, "when": 1, "tag": "0000_init"}]})
REPO = {
    # Prisma in a monorepo package, with a seed script beside it
    "packages/db/prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
    "packages/db/prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE a ();\n",
    # Drizzle: numbered files, but the journal makes it drizzle, not plain SQL
    "drizzle/meta/_journal.json": JOURNAL,
    "drizzle/0000_init.sql": "CREATE TABLE b ();\n",
    # dbmate: numbered files whose markers make it dbmate
    "db/migrations/20240101000000_c.sql": "-- migrate:up\nCREATE TABLE c ();\n-- migrate:down\n",
    "supabase/migrations/20240101000000_d.sql": "create table d ();\n",
    "cmd/migrate/migrations/1_e.up.sql": "CREATE TABLE e ();\n",
    "sql/001_f.sql": "CREATE TABLE f ();\n",
    # none of these is a migration history
    "tests/fixtures/001_seed.sql": "INSERT INTO a VALUES (1);\n",
    "src/queries/01_report.sql": "SELECT 1;\n",
    "docs/example.sql": "SELECT 1;\n",
    "vendor/github.com/x/y/migrations/1_z.up.sql": "SELECT 1;\n",
}


def test_registry_is_keyed_by_the_names_users_type() -> None:
    assert list(ADAPTERS) == [
        "alembic", "prisma", "d1", "drizzle", "dbmate", "supabase", "golang-migrate", "plain-sql"]
    assert all(name == adapter.name for name, adapter in ADAPTERS.items())


def test_detects_one_framework_per_folder_most_specific_first() -> None:
    assert detect_sets(tree(REPO)) == [
        ("golang-migrate", "cmd/migrate/migrations"),
        ("dbmate", "db/migrations"),
        ("drizzle", "drizzle"),
        ("prisma", "packages/db/prisma/migrations"),
        ("plain-sql", "sql"),
        ("supabase", "supabase/migrations"),
    ]


def test_plain_sql_does_not_claim_folders_inside_another_framework() -> None:
    files = {
        "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "prisma/migrations/20240101000000_init/migration.sql": "SELECT 1;\n",
        "prisma/migrations/20240101000000_init/001_data_fix.sql": "SELECT 1;\n",
    }
    assert detect_sets(tree(files)) == [("prisma", "prisma/migrations")]


def test_load_plan_sees_folders_that_exist_on_one_side_only() -> None:
    base = {"old/001_a.sql": "SELECT 1;\n"}
    head = {"new/migrations/1_a.up.sql": "SELECT 1;\n"}
    plan = load_plan(changes(base, head))
    assert [(s.framework, s.root) for s in plan.sets] == [
        ("golang-migrate", "new/migrations"), ("plain-sql", "old")]
    gone, added = plan.sets[1], plan.sets[0]
    assert [p.kind for p in gone.problems] == [ProblemKind.DELETED_APPLIED]
    assert [m.status for m in added.head_migrations] == [MigrationStatus.ADDED]


def test_load_plan_keeps_untouched_sets() -> None:
    plan = load_plan(changes(REPO, {**REPO, "sql/002_g.sql": "CREATE TABLE g ();\n"}))
    assert len(plan.sets) == 6
    assert [s.root for s in plan.sets if s.touched] == ["sql"]


def test_load_plan_with_explicit_sets() -> None:
    plan = load_plan(changes(REPO, REPO), only=[("plain-sql", "docs"), ("plain-sql", "./docs/")])
    assert [(s.framework, s.root, len(s.head_migrations)) for s in plan.sets] == [("plain-sql", "docs", 1)]
    with pytest.raises(ConfigError, match="flyway"):
        load_plan(changes(REPO, REPO), only=[("flyway", "db")])
