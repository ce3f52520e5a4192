"""Builds small git repositories for tests: a base commit on `main` and a change on `feature`."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

IDENTITY = [
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]

Files = Mapping[str, str | bytes | None]  # None deletes the file


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def write(repo: Path, files: Files) -> None:
    for path, content in files.items():
        target = repo / path
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def make_repo(root: Path, base: Files, head: Files | None = None) -> Path:
    """`base` committed on main; `head` (changes on top of base) committed on branch `feature`."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    write(root, base)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "base")
    if head is not None:
        git(root, "checkout", "-q", "-b", "feature")
        write(root, head)
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "change")
    return root
