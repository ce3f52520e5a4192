"""A disk that fills during the replay: the server's error is the migration's failure, with its file and
line, and the review still cleans up."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitrepo import make_repo
from migration_reviewer.cli import main
from migration_reviewer.replay.providers import embedded
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


@pytest.fixture
def small_tmpfs() -> Iterator[Path]:
    """A real 64 MB file system: room for the cluster, none for the migration's table. Mounted where the
    server's unprivileged user may enter (pytest's own tmp_path is closed to others)."""
    mount = Path(tempfile.mkdtemp(prefix=f"mr-small-disk-{run_tag()}-"))
    mount.chmod(0o755)
    if os.geteuid() != 0 or subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=1777", "tmpfs", str(mount)],
        capture_output=True, check=False,
    ).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root and a kernel that allows it")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def test_a_really_full_disk_fails_the_migration_and_the_review_cleans_up(
    tmp_path: Path, small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The cluster goes where the temp folder is when the usual tmpfs is out of reach: here, the small one.
    monkeypatch.setattr(embedded, "TMPFS", small_tmpfs / "missing")
    monkeypatch.setattr(tempfile, "tempdir", str(small_tmpfs))
    repo = make_repo(tmp_path / "r", {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"},
                     {"db/migrations/002_fill.up.sql": FILL})
    code = main(["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--seed-rows", "0",
                 "--no-color", "--no-cache"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 1:  # the table's file met the full disk: the migration fails at its line
        assert "db/migrations/002_fill.up.sql:1:" in out and "No space left on device" in out
    else:  # the write-ahead log met it first: the server stops, and the review says where and why
        assert code == 3
        [message, hint] = err.splitlines()
        assert message.startswith("migration-reviewer: lost the throwaway database during the replay: ")
        assert message.endswith("No space left on device (while running db/migrations/002_fill.up.sql:1)")
        assert hint == (
            "  hint: the disk that holds the throwaway database filled up: this statement writes more than "
            "there is room for. Free space in the temp folder (TMPDIR), or lower --seed-rows"
        )
    assert list(small_tmpfs.iterdir()) == []
