"""The environment a benchmarked process runs in: as after `pip install`, which compiles every module to
bytecode. A checkout run with PYTHONDONTWRITEBYTECODE set would otherwise compile the package from source
in every process and time that instead."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import migration_reviewer


def installed_environment() -> dict[str, str]:
    compileall.compile_dir(str(Path(migration_reviewer.__file__).parent), quiet=1)
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
