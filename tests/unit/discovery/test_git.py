import os
from pathlib import Path

import pytest

from gitrepo import git, make_repo, write
from migration_reviewer.discovery.changeset import FileStatus
from migration_reviewer.discovery.git import WORKTREE, discover
from migration_reviewer.errors import GitError


def test_change_is_compared_with_the_merge_base_like_a_pull_request(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"db/1.sql": "a", "db/2.sql": "b", "old.sql": "o"},
        {"db/3.sql": "c", "db/2.sql": "b2", "old.sql": None},
    )
    # main moves on after the branch: its new file is not part of the change
    git(repo, "checkout", "-q", "main")
    write(repo, {"db/9.sql": "main only"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main moves")
    git(repo, "checkout", "-q", "feature")

    changes = discover(str(repo), "main", "HEAD")
    assert {(f.path, f.status) for f in changes.files} == {
        ("db/3.sql", FileStatus.ADDED),
        ("db/2.sql", FileStatus.MODIFIED),
        ("old.sql", FileStatus.DELETED),
    }
    assert changes.base.read_text("db/2.sql") == "b"
    assert changes.head.read_text("db/2.sql") == "b2"
    assert not changes.base.exists("db/9.sql")


def test_default_base_is_main_when_there_is_no_remote(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.sql": "1"}, {"b.sql": "2"})
    changes = discover(str(repo), None, "HEAD")
    assert [f.path for f in changes.files] == ["b.sql"]


def test_worktree_includes_uncommitted_and_untracked_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.sql": "1", ".gitignore": "ignored.sql\n"})
    write(repo, {"a.sql": "edited", "new.sql": "2", "ignored.sql": "3"})
    changes = discover(str(repo), "main", WORKTREE)
    assert {(f.path, f.status) for f in changes.files} == {
        ("a.sql", FileStatus.MODIFIED),
        ("new.sql", FileStatus.ADDED),
    }
    assert changes.head.read_text("a.sql") == "edited"
    assert changes.head_sha == WORKTREE


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("token")
    repo = make_repo(tmp_path / "r", {"a.sql": "1"})
    os.symlink(secret, repo / "link.sql")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    changes = discover(str(repo), "main", "HEAD")
    assert not changes.head.exists("link.sql")
    assert not discover(str(repo), "main", WORKTREE).head.exists("link.sql")


def test_binary_file_is_readable_but_not_text(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {}, {"db/x.sql": b"\xff\xfe\x00binary"})
    changes = discover(str(repo), "main", "HEAD")
    assert not changes.head.is_text("db/x.sql")
    assert "\ufffd" in changes.head.read_text("db/x.sql")


def test_errors_are_one_line_with_a_fix(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.sql": "1"})
    with pytest.raises(GitError, match="unknown revision 'nope'") as missing:
        discover(str(repo), "nope", "HEAD")
    assert missing.value.hint and "git fetch" in missing.value.hint
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="is not a git repository"):
        discover(str(plain), None, "HEAD")


def test_shallow_clone_without_the_base_says_fetch_depth(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"a.sql": "1"})
    for i in range(3):
        write(origin, {f"{i}.sql": str(i)})
        git(origin, "add", "-A")
        git(origin, "commit", "-q", "-m", str(i))
    base_sha = git(origin, "rev-parse", "HEAD~2")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    with pytest.raises(GitError) as error:
        discover(str(shallow), base_sha, "HEAD")
    assert error.value.hint and "fetch-depth: 0" in error.value.hint
