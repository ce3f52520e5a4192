"""The command starts without the database driver: it loads while the server starts, in the time another
process makes the server's data folder."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_loads_without_the_database_driver() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, migration_reviewer.cli; print('psycopg' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
