"""An Alembic base history is replayed once: a later review starts from the kept base while the base
revisions and every project file their run read (env.py, the modules it and the revisions import, files
they open) are the same, and upgrades it by the revisions the base branch gained since."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_alembic_replay import ENV, INI, revision

from gitrepo import git, make_repo, write
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.report.model import SetReport

# env.py reads a project module, as many do.
CONTEXT = "from alembic import context\n"
ENV_READING_SETTINGS = ENV.replace(CONTEXT, CONTEXT + "import app.settings\n")

BASE = {
    "alembic.ini": INI,
    "migrations/env.py": ENV_READING_SETTINGS,
    "app/__init__.py": "",
    "app/settings.py": "DEBUG = False\n",
    "app/views.py": "def index():\n    return 'hello'\n",  # read by nothing the migrations run
    # A revision that takes a name from the project's code, and one that runs a SQL file of the project.
    "app/names.py": 'NAME_COLUMN = "name"\n',
    "migrations/versions/r01.py": revision(
        "r01", None,
        "    from app.names import NAME_COLUMN\n"
        '    op.create_table("users", sa.Column("id", sa.BigInteger, primary_key=True),'
        " sa.Column(NAME_COLUMN, sa.Text))",
    ),
    "sql/orders.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\n",
    "migrations/versions/r02.py": revision("r02", "r01", "    op.execute(open('sql/orders.sql').read())"),
}
CHANGE = {
    "migrations/versions/r03.py": revision(
        "r03", "r02",
        '    op.add_column("users", sa.Column("email", sa.Text))\n'
        '    op.add_column("orders", sa.Column("note", sa.Text))',
        'op.drop_column("orders", "note"); op.drop_column("users", "email")',
    ),
}


def _review(repo: Path, cache_dir: Path, **flags: object) -> tuple[SetReport, dict[str, Any]]:
    wanted = {"base": "main", "head": "feature", "cache_dir": str(cache_dir), "seed_rows": 100, **flags}
    report = review(load_settings(str(repo), wanted, environ={}))
    [migration_set] = report.migration_sets
    return migration_set, report.to_dict()


def _outcome(report: dict[str, Any]) -> tuple[object, ...]:
    [migration_set] = report["migration_sets"]
    return (
        sorted((f["rule"], f["path"], f["line"]) for f in report["findings"]),
        migration_set["schema_changes"],
        migration_set["tables"],
        [(m["id"], m["outcome"]) for m in migration_set["migrations"]],
    )


def _columns(report: dict[str, Any], table: str) -> list[str]:
    [migration_set] = report["migration_sets"]
    [found] = [t for t in migration_set["tables"] if t["name"] == table]
    return [column["name"] for column in found["columns"]]


def _commit_on_feature(repo: Path, files: dict[str, str | None]) -> None:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "another push")


def test_a_second_review_starts_from_the_kept_base_and_reports_the_same(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    cold, cold_report = _review(repo, cache)
    warm, warm_report = _review(repo, cache)
    assert (cold.base_cached, cold.base_replayed) == (False, 2)
    assert (warm.base_cached, warm.base_replayed) == (True, 0)
    assert _outcome(warm_report) == _outcome(cold_report)
    assert warm_report["migration_sets"][0]["schema_changes"][0]["kind"] == "column_added"
    assert _review(repo, cache, cache=False)[0].base_cached is False


def test_a_push_that_changes_only_files_the_migrations_never_read_keeps_the_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    _, before = _review(repo, cache)
    _commit_on_feature(repo, {"app/views.py": "def index():\n    return 'hello again'\n"})
    kept, after = _review(repo, cache)
    assert kept.base_cached is True
    assert _outcome(after) == _outcome(before)


def test_a_changed_module_a_revision_imports_replays_the_base_with_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    _, before = _review(repo, cache)
    assert "name" in _columns(before, "users")
    _commit_on_feature(repo, {"app/names.py": 'NAME_COLUMN = "full_name"\n'})
    replayed, after = _review(repo, cache)
    assert replayed.base_cached is False
    assert "full_name" in _columns(after, "users") and "name" not in _columns(after, "users")
    assert _review(repo, cache)[0].base_cached is True  # and kept as it is now


def test_a_changed_file_a_revision_opens_or_env_py_imports_replays_the_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    _review(repo, cache)
    _commit_on_feature(repo, {"sql/orders.sql": BASE["sql/orders.sql"].replace(");", ", total int);")})
    replayed, after = _review(repo, cache)
    assert replayed.base_cached is False
    assert "total" in _columns(after, "orders")
    _commit_on_feature(repo, {"app/settings.py": "DEBUG = True\n"})
    assert _review(repo, cache)[0].base_cached is False


def test_a_base_branch_that_gained_a_revision_upgrades_the_kept_base_by_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, CHANGE)
    cache = tmp_path / "cache"
    _review(repo, cache)
    # r02b lands on main; the change is rebased onto it and now follows it.
    git(repo, "checkout", "-q", "main")
    write(repo, {"migrations/versions/r02b.py": revision(
        "r02b", "r02", '    op.add_column("orders", sa.Column("total", sa.Integer))')})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "another change")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    _commit_on_feature(repo, {"migrations/versions/r03.py": CHANGE["migrations/versions/r03.py"].replace(
        "down_revision = 'r02'", "down_revision = 'r02b'")})
    caught_up, report = _review(repo, cache)
    assert (caught_up.base_cached, caught_up.base_replayed) == (True, 1)
    _, replayed = _review(repo, tmp_path / "unused", cache=False)
    assert _outcome(report) == _outcome(replayed)
    assert "total" in _columns(report, "orders")
