"""The errors a user can cause or meet, and the exit code each one ends the run with."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_REVIEW_FAILED = 3


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (a driver's can run on for lines), else its type's name."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ReviewerError(Exception):
    """An error with a message meant for the user (no traceback is shown)."""

    exit_code = EXIT_REVIEW_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(ReviewerError):
    """Bad flags, bad configuration, a missing ref: the user can fix it and run again."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The configuration file or environment holds something we cannot accept."""


class GitError(UsageError):
    """The repository or a ref cannot be read."""


class DatabaseUnavailable(ReviewerError):
    """No throwaway database could be started or reached."""


class ReviewFailed(ReviewerError):
    """The review itself could not run to the end."""
