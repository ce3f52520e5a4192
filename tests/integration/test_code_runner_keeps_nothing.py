"""A review that runs the project's own code (Alembic's env.py and revisions) keeps no replayed base: that
code runs on the review's server as the user that runs it, and could change any database or file of the
cluster, which a later review (of another pull request, where the cache is shared) would start from."""

from __future__ import annotations

from pathlib import Path

from test_alembic_replay import BASE as ALEMBIC_BASE
from test_alembic_replay import revision

from gitrepo import make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review

SQL_BASE = {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY);\n"}
SQL_CHANGE = {"db/migrations/002_c.up.sql": "ALTER TABLE t ADD COLUMN c text;\n"}
EMAIL = '    op.add_column("users", sa.Column("email", sa.Text))'
ALEMBIC_CHANGE = {"migrations/versions/r02.py": revision("r02", "r01", EMAIL)}


def _kept_clusters(cache: Path) -> list[Path]:
    return sorted((cache / "bases").glob("*.cluster"))


def _review(repo: Path, cache: Path) -> list[bool]:
    wanted = {"base": "main", "head": "feature", "cache_dir": str(cache)}
    report = review(load_settings(str(repo), wanted, {}))
    return [s.base_cached for s in report.migration_sets]


def test_a_review_that_runs_alembic_keeps_nothing_for_any_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**ALEMBIC_BASE, **SQL_BASE}, {**ALEMBIC_CHANGE, **SQL_CHANGE})
    cache = tmp_path / "cache"
    assert _review(repo, cache) == [False, False]
    assert _kept_clusters(cache) == []
    assert _review(repo, cache) == [False, False]  # the SQL folder's base too: it shared the server


def test_a_review_of_the_sql_folder_alone_keeps_its_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**ALEMBIC_BASE, **SQL_BASE}, SQL_CHANGE)
    cache = tmp_path / "cache"
    assert _review(repo, cache) == [False]
    assert len(_kept_clusters(cache)) == 1
    assert _review(repo, cache) == [True]
