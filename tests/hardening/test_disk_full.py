"""A disk that fills during the replay: the server's error is the migration's failure, with its file and
line, and the review still cleans up."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from gitrepo import make_repo
from migration_reviewer.replay.providers.base import run_tag

FILL = "CREATE TABLE big AS SELECT repeat(md5(i::text), 20) AS v FROM generate_series(1, 200000) i;\n"
LIMIT = 40 << 20  # bytes per file: the 130 MB table cannot grow past it, the rest of the review can


def _small_disk() -> None:
    # A file-size limit, inherited by the server, stands in for a full disk: PostgreSQL ignores SIGXFSZ and
    # meets EFBIG where it would meet ENOSPC, through the same error path.
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_full_disk_fails_the_migration_that_filled_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"},
                     {"db/migrations/002_fill.up.sql": FILL})
    done = subprocess.run(
        [sys.executable, "-m", "migration_reviewer", "review", "--repo", str(repo), "--base", "main",
         "--head", "feature", "--seed-rows", "0", "--no-color", "--no-cache"],
        capture_output=True, text=True, timeout=120, preexec_fn=_small_disk, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "db/migrations/002_fill.up.sql:1: could not extend file" in done.stdout
    assert "File too large" in done.stdout and "fix: Server says: Check free disk space." in done.stdout
    assert not list(Path("/dev/shm").glob(f"migration-reviewer-pg-{run_tag()}*"))
    assert not list(Path("/tmp").glob(f"migration-reviewer-pg-{run_tag()}*"))
