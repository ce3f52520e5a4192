"""Who runs a pull request's Python (Alembic revisions, env.py, pip for `install`): when the review runs as
root, `nobody`, not the user the embedded server runs as; where that user cannot reach the interpreter,
the reviewer itself, and the report says so."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from migration_reviewer.replay.alembic import _worker_user

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the work to another user")


@needs_root
def test_as_root_the_python_of_the_pull_request_runs_as_the_unprivileged_user() -> None:
    with tempfile.TemporaryDirectory() as open_folder:  # pytest's own tmp_path is closed to others
        Path(open_folder).chmod(0o755)
        python = Path(open_folder) / "opt" / "python" / "bin"
        python.mkdir(parents=True)
        user, note = _worker_user([python])
    assert user is not None and (user.name, note) == ("nobody", None)


@needs_root
def test_an_interpreter_out_of_the_users_reach_runs_it_as_root_and_says_so(tmp_path: Path) -> None:
    home = tmp_path / "root-only"
    python = home / ".pyenv" / "bin"
    python.mkdir(parents=True)
    home.chmod(0o700)
    user, note = _worker_user([python])
    assert user is None
    assert note == (
        "the Alembic revisions ran as root: the user nobody, who would run them without rights, "
        f"cannot reach this Python ({python}). Install the review tool where every user can read it "
        "(the Docker image does)"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="as root the work goes to another user")
def test_a_normal_user_runs_it_as_itself_without_a_note() -> None:
    assert _worker_user() == (None, None)
