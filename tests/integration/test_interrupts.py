"""A review stopped half way (Ctrl-C, a cancelled CI job, a server that dies) leaves nothing behind and
says what happened in one line."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from test_alembic_replay import BASE as ALEMBIC_BASE
from test_alembic_replay import alembic_runners, revision

from gitrepo import make_repo
from migration_reviewer.replay.providers.base import run_tag

BASE = {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"}
SLOW = {"db/migrations/002_slow.up.sql": "SELECT pg_sleep(60);\n"}


def _our_clusters() -> set[str]:
    """This session's cluster folders (the run tag keeps other suites' out)."""
    prefix = f"migration-reviewer-pg-{run_tag()}"
    return set(glob.glob(f"/dev/shm/{prefix}*")) | set(glob.glob(f"/tmp/{prefix}*"))


def _start_review(repo: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "migration_reviewer", "review", "--repo", str(repo), "--base", "main",
         "--head", "feature", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As from a terminal: a runner started in the background (`pytest &`) hands down an ignored SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_the_slow_statement(process: subprocess.Popen[str], clusters_before: set[str]) -> set[str]:
    """The cluster folder(s) the review created, once the replay is inside pg_sleep."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if started := _our_clusters() - clusters_before:
            time.sleep(1.5)  # the cluster is up; give the replay time to reach pg_sleep
            return started
        time.sleep(0.05)
    pytest.fail("the review never started its database")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "ci-cancel"])
def test_stopping_a_review_removes_its_database(tmp_path: Path, sig: signal.Signals) -> None:
    repo = make_repo(tmp_path / "r", BASE, SLOW)
    before = _our_clusters()
    process = _start_review(repo)
    started = _wait_for_the_slow_statement(process, before)
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert not any(Path(cluster).exists() for cluster in started)


def test_stopping_an_alembic_review_ends_its_runner_and_removes_its_files(tmp_path: Path) -> None:
    slow = revision("r02", "r01", '    op.execute("SELECT pg_sleep(60)")')
    repo = make_repo(tmp_path / "r", ALEMBIC_BASE, {"migrations/versions/r02.py": slow})
    workspaces_before = set(glob.glob("/dev/shm/mr-alembic-*")) | set(glob.glob("/tmp/mr-alembic-*"))
    clusters_before = _our_clusters()
    process = _start_review(repo)
    _wait_for_the_slow_statement(process, clusters_before)
    assert alembic_runners(), "the review runs its revisions in an Alembic runner"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert alembic_runners() == []
    workspaces = set(glob.glob("/dev/shm/mr-alembic-*")) | set(glob.glob("/tmp/mr-alembic-*"))
    assert workspaces <= workspaces_before


def test_a_statement_past_the_timeout_is_reported_not_waited_for(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, SLOW)
    started = time.monotonic()
    process = _start_review(repo, "--statement-timeout", "1s", "--no-color")
    out, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert process.returncode == 1, err
    assert "canceling statement due to statement timeout" in out
    assert "db/migrations/002_slow.up.sql:1" in out


def test_a_server_that_dies_mid_replay_is_a_clear_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", BASE, SLOW)
    before = _our_clusters()
    process = _start_review(repo)
    [cluster] = _wait_for_the_slow_statement(process, before)
    postmaster = int(Path(cluster, "data", "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 3
    assert err.startswith("migration-reviewer: ") and "Traceback" not in err
    assert not Path(cluster).exists()


@pytest.mark.parametrize("provider", ["embedded", "url"])
def test_a_migration_that_kills_its_own_session_is_a_clear_error(
    tmp_path: Path, provider: str, request: pytest.FixtureRequest
) -> None:
    kill = {"db/migrations/002_kill.up.sql": "SELECT pg_terminate_backend(pg_backend_pid());\n"}
    repo = make_repo(tmp_path / "r", BASE, kill)
    extra = []
    if provider == "url":
        extra = ["--database", "url", "--database-url", request.getfixturevalue("local_pg_url")]
    process = _start_review(repo, "--seed-rows", "0", *extra)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 3
    assert err == (
        "migration-reviewer: lost the throwaway database during the replay: terminating connection due to "
        "administrator command (while running db/migrations/002_kill.up.sql:1)\n"
    )
    assert not _our_clusters()
    if provider == "url":
        with psycopg.connect(extra[-1]) as conn:
            pattern = f"mr\\_scratch\\_{run_tag()}%"
            left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])
            assert left.fetchall() == []
