"""Alembic projects reviewed end to end on the embedded PostgreSQL: Alembic itself runs the revisions in
a subprocess, and what it executes is what the rules read."""

from __future__ import annotations

import contextlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from alembic_project import ENV, revision
from gitrepo import make_repo
from migration_reviewer.config import load_settings
from migration_reviewer.pipeline import review
from migration_reviewer.replay.alembic import _worker_user
from migration_reviewer.replay.providers.embedded import run_as_user
from migration_reviewer.report.model import Report

INI = "[alembic]\nscript_location = migrations\nsqlalchemy.url = postgresql://localhost/app\n"
BASE = {
    "alembic.ini": INI,
    "migrations/env.py": ENV,
    "migrations/versions/r01.py": revision(
        "r01", None,
        '    op.create_table("users", sa.Column("id", sa.BigInteger, primary_key=True),'
        ' sa.Column("name", sa.Text))',
        'op.drop_table("users")',
    ),
}


def reviewed(tmp_path: Path, head: dict[str, str | bytes | None], base: dict[str, str] = BASE) -> Report:
    repo = make_repo(tmp_path / "repo", base, head)
    return review(load_settings(str(repo), {"base": "main", "head": "feature", "seed_rows": 100}, environ={}))


def test_a_failing_op_points_at_its_revision_line(tmp_path: Path) -> None:
    head = {"migrations/versions/r02.py": revision(
        "r02", "r01", '    op.add_column("users", sa.Column("email", sa.Text))\n'
        '    op.execute("ALTER TABLE nope ADD x int")')}
    report = reviewed(tmp_path, head)
    [failure] = [f for f in report.findings if f.rule == "RP001"]
    assert (failure.path, failure.line) == ("migrations/versions/r02.py", 12)
    assert 'relation "nope" does not exist' in failure.message
    assert failure.statement == "ALTER TABLE nope ADD x int"


def test_data_migration_statements_and_autocommit_block(tmp_path: Path) -> None:
    upgrade = """\
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.text("SELECT id FROM users")).fetchall():
        bind.execute(sa.text("UPDATE users SET name = upper(name) WHERE id = :id"), {"id": user_id})
    with op.get_context().autocommit_block():
        op.create_index("users_name_idx", "users", ["name"], postgresql_concurrently=True)"""
    report = reviewed(tmp_path, {"migrations/versions/r02.py": revision("r02", "r01", upgrade)})
    [migration] = report.migration_sets[0].migrations
    assert migration.applied
    rules = {f.rule for f in report.findings}
    # CONCURRENTLY ran outside Alembic's transaction: neither a failure nor a blocking index build.
    assert not rules & {"RP001", "LK001", "LK002"}
    assert [(c.kind, c.name) for c in report.migration_sets[0].schema_changes] == [
        ("index_added", "users_name_idx")]


def test_the_project_code_never_sees_our_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "secret")
    upgrade = (
        '    secrets = {"GITHUB_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"}\n'
        '    seen = "leak" if secrets & set(os.environ) else "clean"\n'
        '    op.create_table(f"env_{seen}", sa.Column("id", sa.Integer, primary_key=True))'
    )
    report = reviewed(tmp_path, {"migrations/versions/r02.py": revision("r02", "r01", upgrade)})
    assert [c.table for c in report.migration_sets[0].schema_changes if c.kind == "table_added"] == [
        "env_clean"]


def test_the_project_code_runs_without_root_rights_or_the_report_says_it_did(tmp_path: Path) -> None:
    upgrade = (
        '    who = "root" if os.geteuid() == 0 else "unprivileged"\n'
        '    op.create_table(f"ran_as_{who}", sa.Column("id", sa.Integer, primary_key=True))'
    )
    report = reviewed(tmp_path, {"migrations/versions/r02.py": revision("r02", "r01", upgrade)})
    [added] = [c.table for c in report.migration_sets[0].schema_changes if c.kind == "table_added"]
    notes = report.migration_sets[0].notes
    said = [note for note in notes if note.startswith("the Alembic revisions ran as root")]
    if os.geteuid() == 0:
        assert (added, len(said)) in (("ran_as_unprivileged", 0), ("ran_as_root", 1))
    else:
        assert (added, said) == ("ran_as_unprivileged", [])


def test_the_project_code_cannot_reach_the_servers_data_files(tmp_path: Path) -> None:
    """As root, the code runs as nobody and the server as postgres: it reaches the cluster through the
    socket only. (As a normal user both are that user, and nothing is kept after the review.)"""
    upgrade = (
        '    socket_dir = op.get_bind().engine.url.query["host"]\n'
        '    try:\n'
        '        os.listdir(os.path.join(socket_dir, "data"))\n'
        '        where = "reachable"\n'
        '    except PermissionError:\n'
        '        where = "closed"\n'
        '    op.create_table(f"data_{where}", sa.Column("id", sa.Integer, primary_key=True))'
    )
    report = reviewed(tmp_path, {"migrations/versions/r02.py": revision("r02", "r01", upgrade)})
    [added] = [c.table for c in report.migration_sets[0].schema_changes if c.kind == "table_added"]
    code_user, _ = _worker_user()  # None: the review's own user (the interpreter is out of reach)
    separate = code_user is not None and code_user != run_as_user()
    assert added == ("data_closed" if separate else "data_reachable")


def test_twenty_revisions(tmp_path: Path) -> None:
    base = dict(BASE)
    for number in range(2, 20):
        base[f"migrations/versions/r{number:02}.py"] = revision(
            f"r{number:02}",
            f"r{number - 1:02}",
            f'    op.add_column("users", sa.Column("c{number}", sa.Text))',
            f'op.drop_column("users", "c{number}")',
        )
    add = '    op.add_column("users", sa.Column("c20", sa.Text))'
    head = {"migrations/versions/r20.py": revision("r20", "r19", add, 'op.drop_column("users", "c20")')}
    started = time.perf_counter()
    report = reviewed(tmp_path, head, base)
    elapsed = time.perf_counter() - started
    [migration] = report.migration_sets[0].migrations
    assert (migration.id, migration.applied, migration.reversible) == ("r20", True, True)
    assert elapsed < 60, f"{elapsed:.1f} s"


def test_sqlite_project_runs_online(tmp_path: Path) -> None:
    base = {**BASE, "alembic.ini": INI.replace("postgresql://localhost/app", "sqlite:///app.db")}
    add = '    op.add_column("users", sa.Column("email", sa.Text))'
    report = reviewed(tmp_path, {"migrations/versions/r02.py": revision("r02", "r01", add)}, base)
    [migration_set] = report.migration_sets
    assert (migration_set.dialect, migration_set.replayed) == ("sqlite", True)
    assert [(c.kind, c.name) for c in migration_set.schema_changes] == [("column_added", "email")]


def test_mysql_without_a_server_is_checked_offline(tmp_path: Path) -> None:
    base = {**BASE, "alembic.ini": INI.replace("postgresql://localhost/app", "mysql://localhost/app")}
    add = '    op.add_column("users", sa.Column("email", sa.Text, nullable=False))'
    report = reviewed(tmp_path, {"migrations/versions/r02.py": revision("r02", "r01", add)}, base)
    [migration_set] = report.migration_sets
    assert not migration_set.replayed
    assert any("alembic upgrade --sql" in f.message for f in report.findings)
    [required] = [f for f in report.findings if f.rule == "BF101"]  # MySQL's NOT NULL without DEFAULT
    assert (required.path, required.line) == ("migrations/versions/r02.py", 11)


def _wheel(folder: Path, module: str) -> Path:
    """A minimal local wheel of an empty module: `install` without the network."""
    files = {
        f"{module}/__init__.py": "",
        f"{module}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n",
        f"{module}-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},,\n" for path in files) + f"{module}-1.0.dist-info/RECORD,,\n"
    wheel = folder / f"{module}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in {**files, f"{module}-1.0.dist-info/RECORD": record}.items():
            archive.writestr(path, text)
    return wheel


def test_a_missing_import_is_named_and_install_provides_it(tmp_path: Path) -> None:
    add = '    import billing_sdk  # noqa: F401\n    op.add_column("users", sa.Column("plan", sa.Text))'
    head = {"migrations/versions/r02.py": revision("r02", "r01", add)}
    # It never ran: not a failure of the revision, and not applied either; the entry says why.
    without = reviewed(tmp_path / "without", head)
    [migration] = without.migration_sets[0].migrations
    assert (migration.applied, migration.outcome) == (False, "not-run")
    assert migration.error is not None
    assert "`billing_sdk`, which is not installed" in migration.error.message
    assert "`install`" in migration.error.message
    assert (migration.error.path, migration.error.line) == ("migrations/versions/r02.py", 11)
    assert not [f for f in without.findings if f.rule == "RP001"]

    wheel = _wheel(tmp_path, "billing_sdk")
    repo = make_repo(tmp_path / "with", BASE, head)
    report = review(load_settings(str(repo), {"base": "main", "head": "feature", "install": (str(wheel),)},
                                  environ={}))
    assert not [f for f in report.findings if f.rule == "RP001"]
    assert f"installed for the Alembic runner: {wheel}" in report.migration_sets[0].notes


def alembic_runners() -> list[str]:
    """The command lines of Alembic runner processes on this machine."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if "alembic_runner" in command:
                found.append(command)
    return found


def test_a_runner_started_ahead_is_ended_when_no_revision_changed(tmp_path: Path) -> None:
    # The change touches only a SQL folder beside the Alembic project: the runner the review started while
    # it read the revisions serves nothing, and is gone with the review.
    head = {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"}
    report = reviewed(tmp_path, head)
    assert [s.framework for s in report.migration_sets] == ["golang-migrate"]
    assert alembic_runners() == []
