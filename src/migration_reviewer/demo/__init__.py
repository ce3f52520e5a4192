"""`migration-reviewer demo`: a small example project, reviewed on the default database.

The bundled project is a golang-migrate folder. Its base branch creates customers and orders; the change
adds an email column, widens a column (a table rewrite) and builds a unique index CONCURRENTLY in a file
that holds a second statement, which golang-migrate sends as one transaction: PostgreSQL refuses it, so
the review reports the failure with its file, line and fix.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from migration_reviewer.config import Settings, load_settings

_GIT_IDENTITY = [
    "-c",
    "user.name=migration-reviewer demo",
    "-c",
    "user.email=demo@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]


def build_demo_repository(target: Path) -> None:
    """A git repository at `target` with the base project on `main` and the change on `add-email`."""
    source = resources.files("migration_reviewer") / "demo"

    def git(*args: str) -> None:
        subprocess.run(["git", *_GIT_IDENTITY, "-C", str(target), *args], check=True, capture_output=True)

    with resources.as_file(source) as folder:
        git("init", "-q")
        shutil.copytree(folder / "base", target, dirs_exist_ok=True)
        git("add", "-A")
        git("commit", "-q", "-m", "Create customers and orders")
        git("checkout", "-q", "-b", "add-email")
        shutil.copytree(folder / "head", target, dirs_exist_ok=True)
        git("add", "-A")
        git("commit", "-q", "-m", "Add customer email")


def run_demo(args: argparse.Namespace, run_review: Callable[[Settings], int]) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="migration-reviewer-demo-"))
    try:
        build_demo_repository(workdir)
        print(f"Reviewing the example change (main → add-email) in {workdir}\n", file=sys.stderr)
        flags = {
            "base": "main",
            "head": "add-email",
            "format": args.format,
            "database": args.database,
            "database_url": args.database_url,
        }
        settings = load_settings(str(workdir), flags, environ={})
        run_review(settings)
        return 0  # the demo's findings are the point, not a failure
    finally:
        if args.keep:
            print(f"\nThe example repository is kept at {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
