"""The job log, where the runner reads workflow commands (`::error …::`, `::add-mask::`…) from our
standard output. Text from the repository is printed between `::stop-commands::` markers with a random
token, so a migration that contains `::add-mask::` or `::error::` lines cannot issue commands."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable
from typing import TextIO

from migration_reviewer.renderers.annotations import command


class Log:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def notice(self, message: str) -> None:
        self._print(command("notice", message))

    def warning(self, message: str) -> None:
        self._print(command("warning", message))

    def error(self, message: str) -> None:
        self._print(command("error", message))

    def mask(self, secret: str) -> None:
        """Asks the runner to hide `secret` wherever it appears in the log and the summary."""
        if secret:
            self._print(command("add-mask", secret))

    def commands(self, lines: Iterable[str]) -> None:
        for line in lines:
            self._print(line)

    def untrusted(self, text: str) -> None:
        token = secrets.token_hex(16)
        self._print(f"::stop-commands::{token}")
        self.stream.write(text if text.endswith("\n") else text + "\n")
        self._print(f"::{token}::")
