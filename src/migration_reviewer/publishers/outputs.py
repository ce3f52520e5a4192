"""Step outputs: `name<<DELIMITER` blocks appended to the file the runner names in GITHUB_OUTPUT. The
delimiter is random, so no value can end its block early and set another output."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path


def write(path: str, values: Mapping[str, str]) -> None:
    with Path(path).open("a", encoding="utf-8") as output:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            output.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
