"""The README shows what the code does: its first commands and the CLI's own help."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_the_readme_help_block_is_the_cli_help() -> None:
    shown = re.search(r"## Command line\n\n```text\n(.*?)```", README, re.S)
    assert shown, "README.md has no Command line section"
    done = subprocess.run(
        [sys.executable, "-m", "migration_reviewer", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert shown.group(1) == done.stdout


def test_the_first_lines_set_up_a_demo_and_run_the_tests() -> None:
    first_block = README.split("```")[1]
    assert "migration-reviewer demo" in first_block
    assert first_block.strip().splitlines()[-1] == "pytest"
