"""In-memory revisions for adapter tests: a dict of path → text or bytes becomes a RepoTree."""

from __future__ import annotations

from collections.abc import Mapping

from migration_reviewer.discovery.changeset import ChangedFile, ChangeSet, FileStatus, RepoTree

Files = Mapping[str, str | bytes]


def tree(files: Files, revision: str = "rev") -> RepoTree:
    data = {path: text.encode() if isinstance(text, str) else text for path, text in files.items()}
    return RepoTree(revision, frozenset(data), data.__getitem__)


def changes(base: Files, head: Files) -> ChangeSet:
    """The change from `base` to `head`, with the changed files git would list (no rename detection)."""
    before, after = tree(base, "base"), tree(head, "head")
    changed = [
        ChangedFile(path, FileStatus.ADDED if path not in base else FileStatus.MODIFIED)
        for path in sorted(head)
        if path not in base or before.read_bytes(path) != after.read_bytes(path)
    ]
    changed += [ChangedFile(path, FileStatus.DELETED) for path in sorted(base) if path not in head]
    return ChangeSet("/repo", "base", "head", before, after, tuple(changed))
