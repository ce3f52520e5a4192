"""The confinement a project's code runs in when the review runs as a normal user: the hidden folders are
empty, the kept ones are back (read only), the review's processes are out of sight, and the code has no
capability left to undo any of it. As root the test runs it as `nobody`, as a review by a normal user
would; where the system allows no user namespaces the review says so instead (and so does the test)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_reviewer.replay import code_sandbox

NOBODY = 65534
PROBE = """
cat home/secret 2>&1
cat home/python/lib.txt
(echo rw >home/python/lib.txt) 2>/dev/null && echo kept-is-writable
ls /proc | grep -c '^[0-9]'
grep CapEff /proc/self/status
id -u
umount home 2>/dev/null && echo unmounted
exit 0
"""


def _as_normal_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


@pytest.fixture
def folder() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's tmp_path is closed to other users
    try:
        (root / "home" / "python").mkdir(parents=True)
        (root / "home" / "secret").write_text("the user's token\n")
        (root / "home" / "python" / "lib.txt").write_text("a library\n")
        (root / "stage").mkdir()
        for path in (root, *root.rglob("*")):
            if os.geteuid() == 0:
                os.chown(path, NOBODY, NOBODY)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _namespaces_allowed() -> bool:
    done = subprocess.run(_as_normal_user(["unshare", "--user", "--map-root-user", "true"]),
                          capture_output=True, check=False)
    return done.returncode == 0


def test_hidden_folders_are_empty_kept_ones_read_only_and_the_review_out_of_sight(folder: Path) -> None:
    if not _namespaces_allowed():
        pytest.skip("this system allows no user namespaces: the review runs the code unconfined, with a note")
    user = (NOBODY, NOBODY) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    command = code_sandbox.confine(
        ["sh", "-c", PROBE], folder / "stage", keep=[folder / "home" / "python"], hide=[folder / "home"],
        ids=user,
    )
    done = subprocess.run(_as_normal_user(command), cwd=folder, capture_output=True, text=True, check=False)

    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert "No such file" in lines[0] and "token" not in done.stdout
    assert lines[1] == "a library"
    assert "kept-is-writable" not in lines
    assert int(lines[2]) <= 3  # the shell, what it runs, and the namespace's first process
    assert lines[3].split() == ["CapEff:", "0000000000000000"]
    assert "unmounted" not in lines
    assert lines[4] == str(user[0])  # its own uid, not the namespace's root
    assert (folder / "home" / "secret").read_text() == "the user's token\n"  # nothing changed outside


def test_the_folders_to_hide_are_the_outermost_of_home_the_job_files_and_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, runner_temp = tmp_path / "home", tmp_path / "work" / "_temp"
    (home / ".cache" / "migration-reviewer").mkdir(parents=True)
    (runner_temp / "_runner_file_commands").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    environ = {
        "GITHUB_OUTPUT": str(runner_temp / "_runner_file_commands" / "set_output_1"),
        "RUNNER_TEMP": str(runner_temp),
        "MIGRATION_REVIEWER_CACHE_DIR": str(home / ".cache" / "migration-reviewer"),
        "GITHUB_WORKSPACE": "/",  # never the whole system
    }
    assert code_sandbox.hidden_folders(environ) == [home.resolve(), runner_temp.resolve()]
