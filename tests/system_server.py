"""The machine's own PostgreSQL server binaries (Debian's postgresql-15, full contrib), for tests that run
the replay on them beside the bundled server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SYSTEM_BIN = Path("/usr/lib/postgresql/15/bin")


def system_bin() -> str:
    """The folder of the system's server binaries; the test is skipped where there is none (it fails in
    CI, where there always is one)."""
    if not (SYSTEM_BIN / "postgres").is_file():
        reason = f"no system PostgreSQL server in {SYSTEM_BIN}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return str(SYSTEM_BIN)
