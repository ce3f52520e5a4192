"""Where a set's platform and baseline come from: the framework's defaults, and the configuration over
them, in one place for every adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_reviewer.adapters import load_plan
from migration_reviewer.adapters.platforms import (
    SetSetup,
    dbmate_schema_file,
    dbmate_versions,
    with_platform,
)
from migration_reviewer.config import load_settings
from migration_reviewer.errors import ConfigError
from migration_reviewer.pipeline import select_sets
from migration_reviewer.replay.engine import base_chain

from ._trees import changes, tree

DUMP_TAIL = """
--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20230101000000'),
    ('20230102000000');
"""
DBMATE = {
    "db/migrations/20230101000000_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
    "db/migrations/20230102000000_b.sql": "-- migrate:up\nSELECT 2;\n-- migrate:down\nSELECT 2;\n",
    "db/migrations/20230103000000_c.sql": "-- migrate:up\nSELECT 3;\n-- migrate:down\nSELECT 3;\n",
}
CHANGE = {"db/migrations/20230201000000_d.sql": "-- migrate:up\nSELECT 4;\n-- migrate:down\nSELECT 4;\n"}


def test_a_supabase_folder_runs_on_supabases_platform_and_others_on_none() -> None:
    plan = load_plan(changes(
        {"supabase/migrations/20240101000000_a.sql": "create table a (id int);\n", **DBMATE},
        {"supabase/migrations/20240102000000_b.sql": "create table b (id int);\n"},
    ))
    assert {s.framework: s.platform for s in plan.sets} == {"supabase": "supabase", "dbmate": None}


def test_dbmate_reads_the_versions_its_dump_includes_from_the_base_side() -> None:
    base = {**DBMATE, "db/schema.sql": "CREATE TABLE t (id int);\n" + DUMP_TAIL}
    # dbmate rewrites the dump with the change's migration: the base's dump is the one the history had.
    head = {**CHANGE, "db/schema.sql": base["db/schema.sql"].replace("'20230102000000');",
                                                               "'20230102000000'), ('20230201000000');")}
    [migration_set] = load_plan(changes(base, head)).sets
    assert migration_set.baseline is not None
    assert migration_set.baseline.path == "db/schema.sql"
    assert migration_set.baseline.versions == {"20230101000000", "20230102000000"}
    assert migration_set.baseline.fallback  # dbmate's own dump: used when the history fails from zero


def test_a_configured_baseline_takes_its_versions_from_baseline_version() -> None:
    base = {**DBMATE, "sql/squashed.sql": "CREATE TABLE t (id int);\n"}
    changeset = changes(base, CHANGE)
    [loaded] = load_plan(changeset).sets
    setup = SetSetup(baseline="./sql/squashed.sql", baseline_version="20230102000000")
    migration_set = with_platform(loaded, changeset, setup)
    assert migration_set.baseline is not None and not migration_set.baseline.fallback
    assert migration_set.baseline.versions == {"20230101000000", "20230102000000"}
    assert base_chain(migration_set) != base_chain(loaded)  # a kept base without the dump is not reused


def test_a_missing_baseline_is_a_problem_of_the_set_not_a_crash() -> None:
    changeset = changes(DBMATE, CHANGE)
    [loaded] = load_plan(changeset).sets
    migration_set = with_platform(loaded, changeset, SetSetup(baseline="db/nope.sql"))
    assert migration_set.baseline is None
    [problem] = set(migration_set.problems) - set(loaded.problems)
    assert problem.path == "db/nope.sql" and "replays from an empty database" in problem.message


def test_platform_none_takes_supabases_platform_away_and_changes_the_kept_base_key() -> None:
    changeset = changes({"supabase/migrations/20240101000000_a.sql": "select 1;\n"},
                        {"supabase/migrations/20240102000000_b.sql": "select 2;\n"})
    [loaded] = load_plan(changeset).sets
    plain = with_platform(loaded, changeset, SetSetup(platform="none"))
    assert (loaded.platform, plain.platform) == ("supabase", None)
    assert base_chain(plain)[0] != base_chain(loaded)[0]


def test_dbmate_versions_and_schema_file() -> None:
    assert dbmate_versions("CREATE TABLE t (id int);") is None
    assert dbmate_versions('INSERT INTO "schema_migrations" (version) VALUES (\'1\'), (\'2\');') == {"1", "2"}
    files = tree({"db/schema.sql": "x", "api/db/migrations/1_a.sql": "x", "api/db/structure.sql": "x",
                  "api/.env": "DATABASE_URL=postgres://x\nDBMATE_SCHEMA_FILE=./db/structure.sql\n"})
    assert dbmate_schema_file(files, "db/migrations") == "db/schema.sql"
    assert dbmate_schema_file(files, "api/db/migrations") == "api/db/structure.sql"
    assert dbmate_schema_file(files, "other/migrations") is None


def test_top_level_settings_apply_to_the_only_folder_and_a_baseline_needs_one(tmp_path: Path) -> None:
    base = {**DBMATE, "sql/squashed.sql": "CREATE TABLE t (id int);\n"}
    flags = {"baseline": "sql/squashed.sql", "baseline_version": "20230101000000", "platform": "supabase"}
    settings = load_settings(str(tmp_path), flags, {})
    [migration_set] = select_sets(changes(base, CHANGE), settings)
    assert migration_set.platform == "supabase"
    assert migration_set.baseline is not None and migration_set.baseline.versions == {"20230101000000"}

    two_folders = {**base, "supabase/migrations/20240101000000_a.sql": "select 1;\n"}
    with pytest.raises(ConfigError, match="several migration folders"):
        select_sets(changes(two_folders, CHANGE), settings)
