"""Migrations that try to leave the throwaway database: the replay runs them as the database's owner, not
a superuser, so the server refuses them, and the review reports each attempt as a security finding. The
embedded server needs no network, and a `url` server is only written to through a scratch database."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from gitrepo import make_repo
from migration_reviewer.cli import main
from system_server import system_bin

BASE = {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"}
PATH = "db/migrations/002_escape.up.sql"
REFUSED = " The replay refused it: migrations run there without superuser rights."


SERVER_15_ERRORS = {
    "permission denied to COPY to or from an external program": "must be superuser or have privileges of the "
    "pg_execute_server_program role to COPY to or from an external program",
}



def review(tmp_path: Path, migration: str, *flags: str) -> dict[str, Any]:
    repo = make_repo(tmp_path / "r", BASE, {PATH: migration})
    output = tmp_path / "report.json"
    main(["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--seed-rows", "0",
          "--format", "json", "--output", str(output), *flags])
    report: dict[str, Any] = json.loads(output.read_text())
    return report


@pytest.mark.parametrize(
    ("migration", "server_error", "finding"),
    [
        (
            "COPY (SELECT 1) TO PROGRAM 'touch {marker}';",
            "permission denied to COPY to or from an external program",
            ("SC101", "`COPY … TO PROGRAM` runs a shell command on the database server." + REFUSED),
        ),
        (
            "SELECT pg_read_file('/etc/passwd');",
            "permission denied for function pg_read_file",
            ("SC101", "`pg_read_file()` reads or writes files on the database server." + REFUSED),
        ),
        (
            "CREATE FUNCTION f() RETURNS int AS '/lib/x.so', 'f' LANGUAGE c;",
            "permission denied for language c",
            ("SC102", "a function in `c` runs with the database server's operating-system rights." + REFUSED),
        ),
        (
            "ALTER SYSTEM SET archive_command = 'touch {marker}';",
            'permission denied to set parameter "archive_command"',
            ("SC103", "`ALTER SYSTEM` changes the server's configuration (`archive_command`)." + REFUSED),
        ),
        (
            "CREATE EXTENSION dblink;",
            'permission denied to create extension "dblink"',
            ("SC104", "`CREATE EXTENSION dblink` lets the database server connect elsewhere." + REFUSED),
        ),
    ],
    ids=["copy-to-program", "server-file", "c-function", "alter-system", "dblink"],
)
@pytest.mark.parametrize("server", ["bundled", "system-15"])
def test_an_escape_attempt_is_refused_and_reported(
    tmp_path: Path, migration: str, server_error: str, finding: tuple[str, str], server: str
) -> None:
    """On both servers: the bundled 18, and the system's 15 (chosen for histories that need its contrib),
    where the replay's role may have things done on its behalf (extensions, roles)."""
    marker = tmp_path / "escaped"
    flags = ["--pg-bin-dir", system_bin()] if server == "system-15" else []
    report = review(tmp_path, migration.format(marker=marker), *flags)
    [applied] = report["migration_sets"][0]["migrations"]
    assert applied["outcome"] == "failed"
    if server == "bundled":
        assert applied["error"]["message"] == server_error
    else:  # PostgreSQL 15 words some of them otherwise
        assert applied["error"]["message"] == SERVER_15_ERRORS.get(server_error, server_error)
    assert [(f["rule"], f["message"]) for f in report["findings"] if f["rule"].startswith("SC")] == [finding]
    assert report["verdict"] == "fail"
    assert not marker.exists()


def test_on_a_server_of_a_url_the_replay_runs_without_rights_even_for_a_superuser_url(
    tmp_path: Path, local_pg_url: str
) -> None:
    marker = tmp_path / "escaped"
    migration = f"COPY (SELECT 1) TO PROGRAM 'touch {marker}';"
    report = review(tmp_path, migration, "--database", "url", "--database-url", local_pg_url)
    [applied] = report["migration_sets"][0]["migrations"]
    assert applied["outcome"] == "failed"
    assert applied["error"]["message"].endswith("to COPY to or from an external program")  # PostgreSQL 15
    assert [(f["rule"], f["message"]) for f in report["findings"] if f["rule"].startswith("SC")] == [
        ("SC101", "`COPY … TO PROGRAM` runs a shell command on the database server." + REFUSED)
    ]
    assert not any("ran as" in note for note in report["migration_sets"][0]["notes"])  # a role of its own
    assert not marker.exists()


def test_replay_role_superuser_runs_what_the_migration_says_and_still_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For extensions only a superuser may create (PostGIS): the escape then really runs on the throwaway
    server, which holds nothing of the reviewer's."""
    # Where the server's unprivileged user may write when the tests run as root.
    marker = Path(tempfile.gettempdir(), f"mr-escaped-{uuid.uuid4().hex}")
    monkeypatch.setenv("MIGRATION_REVIEWER_REPLAY_ROLE", "superuser")
    try:
        report = review(tmp_path, f"COPY (SELECT 1) TO PROGRAM 'touch {marker}';")
        assert marker.exists()
    finally:
        marker.unlink(missing_ok=True)
    assert report["migration_sets"][0]["migrations"][0]["outcome"] == "applied"
    security = [f for f in report["findings"] if f["rule"].startswith("SC")]
    assert [(f["rule"], f["message"], f["confirmed_by_replay"]) for f in security] == [
        (
            "SC101",
            "`COPY … TO PROGRAM` runs a shell command on the database server. It ran on the throwaway "
            "server during the replay.",
            True,
        ),
    ]


def test_the_embedded_server_needs_no_network(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], check=False).returncode != 0:
        pytest.skip("no network namespaces here (unshare -n needs root or user namespaces)")
    repo = make_repo(tmp_path / "r", BASE, {PATH: "ALTER TABLE t ADD c int;\n"})
    done = subprocess.run(
        [unshare, "-n", sys.executable, "-m", "migration_reviewer", "review", "--repo", str(repo),
         "--base", "main", "--head", "feature", "--format", "json", "--no-cache"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    [migration] = json.loads(done.stdout)["migration_sets"][0]["migrations"]
    assert migration["outcome"] == "applied"


def test_url_refuses_a_role_that_cannot_create_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], local_pg_url: str
) -> None:
    role = f"mr_test_nocreatedb_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(local_pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB").format(sql.Identifier(role)))
    try:
        server = urlsplit(local_pg_url)
        url = urlunsplit(server._replace(netloc=f"{role}@{server.hostname}:{server.port or 5432}"))
        repo = make_repo(tmp_path / "r", BASE, {PATH: "ALTER TABLE t ADD c int;\n"})
        code = main(["review", "--repo", str(repo), "--base", "main", "--head", "feature",
                     "--database", "url", "--database-url", url])
        _, err = capsys.readouterr()
    finally:
        with psycopg.connect(local_pg_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    assert code == 3
    assert err.splitlines()[0] == f'migration-reviewer: the role "{role}" may not create databases on {url}'
    assert err.splitlines()[1] == (
        f'  hint: grant it with ALTER ROLE "{role}" CREATEDB, connect as a role that has CREATEDB, '
        "or use --database embedded"
    )
