"""What changed between two revisions, and read access to the files at each side."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


@dataclass(frozen=True)
class ChangedFile:
    path: str  # repository-relative, '/'-separated; the new path for a rename
    status: FileStatus
    old_path: str | None = None  # set for renames


@dataclass
class RepoTree:
    """The files of one revision (or of the working tree), read lazily.

    `paths` holds every regular file; symbolic links and submodules are left out on purpose: a link in a
    pull request may point anywhere on the runner, and we never follow it.
    """

    revision: str
    paths: frozenset[str]
    _reader: Callable[[str], bytes] = field(repr=False)
    _cache: dict[str, bytes] = field(default_factory=dict, repr=False)

    def exists(self, path: str) -> bool:
        return path in self.paths

    def read_bytes(self, path: str) -> bytes:
        if path not in self.paths:
            raise FileNotFoundError(path)
        if path not in self._cache:
            self._cache[path] = self._reader(path)
        return self._cache[path]

    def read_text(self, path: str) -> str:
        """The file as text. Undecodable bytes become U+FFFD so a stray binary file cannot stop a review;
        callers that care use `is_text`."""
        return self.read_bytes(path).decode("utf-8", errors="replace")

    def is_text(self, path: str) -> bool:
        data = self.read_bytes(path)
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    @functools.cached_property
    def folders(self) -> dict[str, tuple[str, ...]]:
        """Folder → names of the files directly inside it, sorted. Every adapter looks at the whole tree
        this way, for each side: it is grouped once."""
        grouped: dict[str, list[str]] = {}
        for path in sorted(self.paths):
            folder, _, name = path.rpartition("/")
            grouped.setdefault(folder, []).append(name)
        return {folder: tuple(names) for folder, names in grouped.items()}

    def files_under(self, directory: str) -> list[str]:
        """Every file below `directory` ('' for the whole tree), sorted."""
        if directory in ("", "."):
            return sorted(self.paths)
        prefix = directory.rstrip("/") + "/"
        return sorted(p for p in self.paths if p.startswith(prefix))

    def glob(self, pattern: str) -> list[str]:
        """Paths matching a glob where `**` spans folders (PurePosixPath.full_match semantics)."""
        return sorted(p for p in self.paths if glob_match(p, pattern))


def glob_match(path: str, pattern: str) -> bool:
    return _glob_regex(pattern).fullmatch(path) is not None


@functools.cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: `*` and `?` stay inside one folder, `**/` spans any number of folders."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


@dataclass
class ChangeSet:
    """The change under review: two trees and the files that differ between them."""

    repo_root: str
    base_sha: str
    head_sha: str  # a commit, or "WORKTREE" for the working tree
    base: RepoTree
    head: RepoTree
    files: tuple[ChangedFile, ...]

    def status_of(self, path: str) -> FileStatus | None:
        for changed in self.files:
            if changed.path == path:
                return changed.status
            if changed.old_path == path:
                return FileStatus.DELETED
        return None

    def changed_under(self, directory: str) -> list[ChangedFile]:
        prefix = "" if directory in ("", ".") else directory.rstrip("/") + "/"
        return [c for c in self.files if c.path.startswith(prefix) or (c.old_path or "\0").startswith(prefix)]

    @property
    def changed_paths(self) -> frozenset[str]:
        return frozenset(c.path for c in self.files) | frozenset(c.old_path for c in self.files if c.old_path)


def parent_dirs(paths: Iterable[str]) -> set[str]:
    return {str(PurePosixPath(p).parent) for p in paths}
