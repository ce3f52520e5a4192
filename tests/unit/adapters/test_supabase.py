from __future__ import annotations

from migration_reviewer.adapters.base import Dialect, MigrationStatus, ProblemKind, Wrapping
from migration_reviewer.adapters.supabase import SupabaseAdapter

from ._trees import changes, tree

ADAPTER = SupabaseAdapter()
BASE = {
    "supabase/migrations/20240101120000_profiles.sql": "create table profiles (id uuid primary key);\n",
    "supabase/migrations/20240102120000_policies.sql": "alter table profiles enable row level security;\n",
    "supabase/seed.sql": "insert into profiles values (gen_random_uuid());\n",
    "supabase/config.toml": "project_id = 'x'\n",
}


def test_detects_supabase_folders_anywhere() -> None:
    files = {**BASE, "apps/web/supabase/migrations/20240101000000_a.sql": "select 1;",
             "migrations/20240101000000_a.sql": "select 1;"}
    assert ADAPTER.detect(tree(files)) == ["apps/web/supabase/migrations", "supabase/migrations"]


def test_loads_in_timestamp_order_with_one_transaction_each() -> None:
    head = {**BASE, "supabase/migrations/20240103090000_avatars.sql": "alter table profiles add avatar text;"}
    mset = ADAPTER.load("supabase/migrations", changes(BASE, head))
    assert mset.dialect is Dialect.POSTGRESQL
    assert [(m.id, m.name, m.status) for m in mset.head_migrations] == [
        ("20240101120000", "profiles", MigrationStatus.BASE),
        ("20240102120000", "policies", MigrationStatus.BASE),
        ("20240103090000", "avatars", MigrationStatus.ADDED),
    ]
    assert {m.wrapping for m in mset.head_migrations} == {Wrapping.PER_MIGRATION}
    assert {m.down for m in mset.head_migrations} == {None}
    assert mset.problems == ()


def test_misnamed_file_is_skipped_like_the_cli_does() -> None:
    head = {**BASE, "supabase/migrations/add_column.sql": "alter table profiles add x int;\n"}
    mset = ADAPTER.load("supabase/migrations", changes(BASE, head))
    (problem,) = mset.problems
    assert (problem.kind, problem.path) == (ProblemKind.INVALID, "supabase/migrations/add_column.sql")
    assert len(mset.head_migrations) == 2


def test_older_timestamp_is_out_of_order() -> None:
    head = {**BASE, "supabase/migrations/20240101130000_late_branch.sql": "select 1;\n"}
    mset = ADAPTER.load("supabase/migrations", changes(BASE, head))
    (problem,) = mset.problems
    assert problem.kind is ProblemKind.OUT_OF_ORDER
    assert "--include-all" in problem.message
