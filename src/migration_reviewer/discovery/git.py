"""The only module that runs git: resolve refs, list the files of a revision, diff two revisions."""

from __future__ import annotations

import os
import stat
import subprocess
import weakref
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from migration_reviewer.discovery.changeset import ChangedFile, ChangeSet, FileStatus, RepoTree
from migration_reviewer.errors import GitError

WORKTREE = "WORKTREE"
_SHALLOW_HINT = "the clone is shallow: fetch the full history (actions/checkout with fetch-depth: 0)"


def _git(repo: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", "-C", repo, *args],
            capture_output=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if check and done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(done.returncode)}")
    return done


def repo_root(path: str) -> str:
    if not Path(path).is_dir():
        raise GitError(f"{path} is not a directory")
    done = _git(path, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        if "dubious ownership" in done.stderr.decode(errors="replace"):
            raise GitError(
                f"git refuses to read {path}: it is owned by another user",
                hint=f"run: git config --global --add safe.directory {Path(path).resolve()}",
            )
        raise GitError(f"{path} is not a git repository", hint="run inside a clone, or pass --repo PATH")
    return done.stdout.decode().strip()


def is_shallow(repo: str) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true"


def resolve(repo: str, ref: str) -> str:
    done = _git(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
    )
    if done.returncode != 0:
        hint = (
            _SHALLOW_HINT
            if is_shallow(repo)
            else f"fetch it first (git fetch origin {ref}) or check the name"
        )
        raise GitError(f"unknown revision '{ref}'", hint=hint)
    return done.stdout.decode().strip()


def default_branch(repo: str) -> str:
    """origin/HEAD where the clone knows it, else the first of origin/main, origin/master, main, master."""
    done = _git(repo, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False)
    if done.returncode == 0:
        return done.stdout.decode().strip().removeprefix("refs/remotes/")
    for candidate in ("origin/main", "origin/master", "main", "master"):
        if (
            _git(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", check=False).returncode
            == 0
        ):
            return candidate
    raise GitError(
        "cannot tell which branch to compare with: no origin/HEAD, main or master",
        hint="pass --base REF",
    )


def merge_base(repo: str, base: str, head: str) -> str:
    done = _git(repo, "merge-base", base, head, check=False)
    if done.returncode != 0:
        hint = _SHALLOW_HINT if is_shallow(repo) else "the two revisions share no history"
        raise GitError(f"no common ancestor of {base[:12]} and {head[:12]}", hint=hint)
    return done.stdout.decode().strip()


def tree_at(repo: str, revision: str, reader: _BlobReader | None = None) -> RepoTree:
    """The regular files of a commit. Links and submodules are left out: never followed."""
    listing = _git(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", revision).stdout
    blobs: dict[str, str] = {}
    small_by_folder: defaultdict[str, list[str]] = defaultdict(list)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            path = raw_path.decode(errors="surrogateescape")
            blobs[path] = sha.decode()
            if int(size) <= _PREFETCH_MAX_BYTES:
                small_by_folder[path.rpartition("/")[0]].append(blobs[path])
    reader = reader or _BlobReader(repo)

    def read(path: str) -> bytes:
        # Adapters read every file of a migrations folder: the folder's small files come in one round
        # trip, instead of one per file (a history of 1,000 migrations).
        reader.prefetch(small_by_folder.pop(path.rpartition("/")[0], ()))
        return reader.read(blobs[path])

    return RepoTree(revision, frozenset(blobs), read)


_PREFETCH_MAX_BYTES = 256 * 1024
_PREFETCH_BATCH = 256  # object ids written before reading: well inside a pipe's buffer


class _BlobReader:
    """One long-lived `git cat-file --batch`: reading a blob costs a pipe round trip, not a process."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self.process: subprocess.Popen[bytes] | None = None
        self.blobs: dict[str, bytes] = {}  # by object id: a file both sides share is read once

    def read(self, sha: str) -> bytes:
        if sha not in self.blobs:
            self.prefetch([sha])
        return self.blobs[sha]

    def prefetch(self, shas: Iterable[str]) -> None:
        """Read every blob of `shas` not read yet, a batch of object ids per round trip."""
        wanted = [sha for sha in dict.fromkeys(shas) if sha not in self.blobs]
        for start in range(0, len(wanted), _PREFETCH_BATCH):
            batch = wanted[start : start + _PREFETCH_BATCH]
            self.blobs.update(zip(batch, self._fetch(batch), strict=True))

    def _fetch(self, shas: list[str]) -> list[bytes]:
        if self.process is None:
            self.process = subprocess.Popen(
                ["git", "-C", self.repo, "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            weakref.finalize(self, _close_pipe, self.process)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"".join(sha.encode() + b"\n" for sha in shas))
        self.process.stdin.flush()
        found, missing = [], []
        for sha in shas:  # every answer is read, so that the pipe stays in step for the next batch
            header = self.process.stdout.readline().split()
            if len(header) != 3:
                missing.append(sha)
                continue
            found.append(self.process.stdout.read(int(header[2])))
            self.process.stdout.read(1)  # the newline after each object
        if missing:
            raise GitError(f"git cannot read object {missing[0]}")
        return found


def _close_pipe(process: subprocess.Popen[bytes]) -> None:
    if process.stdin:
        process.stdin.close()
    process.wait(timeout=5)


def worktree(repo: str) -> RepoTree:
    """The working tree as it is now: tracked and untracked files that git does not ignore."""
    listing = _git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    root = Path(repo)
    paths = set()
    for raw in listing.split(b"\0"):
        if not raw:
            continue
        path = raw.decode(errors="surrogateescape")
        try:
            mode = (root / path).lstat().st_mode
        except FileNotFoundError:  # deleted in the working tree
            continue
        if stat.S_ISREG(mode):
            paths.add(path)

    def read(path: str) -> bytes:
        return (root / path).read_bytes()

    return RepoTree(WORKTREE, frozenset(paths), read)


_STATUS = {"A": FileStatus.ADDED, "M": FileStatus.MODIFIED, "D": FileStatus.DELETED, "T": FileStatus.MODIFIED}


def changed_files(repo: str, base: str, head: str) -> tuple[ChangedFile, ...]:
    args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", base]
    if head != WORKTREE:
        args.append(head)
    fields = _git(repo, *args).stdout.decode(errors="surrogateescape").split("\0")
    files: list[ChangedFile] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i]
        if code.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            if code.startswith("R"):
                files.append(ChangedFile(new, FileStatus.RENAMED, old_path=old))
            else:
                files.append(ChangedFile(new, FileStatus.ADDED))
            i += 3
        else:
            files.append(ChangedFile(fields[i + 1], _STATUS.get(code[0], FileStatus.MODIFIED)))
            i += 2
    if head == WORKTREE:
        untracked = _git(repo, "ls-files", "-z", "--others", "--exclude-standard").stdout
        files += [
            ChangedFile(p.decode(errors="surrogateescape"), FileStatus.ADDED)
            for p in untracked.split(b"\0")
            if p
        ]
    return tuple(sorted(files, key=lambda f: f.path))


def discover(repo: str, base: str | None, head: str) -> ChangeSet:
    """The change to review: `head` (a ref, or WORKTREE) against its merge-base with `base` (default: the
    repository's default branch), as a pull request shows it."""
    root = repo_root(repo)
    head_sha = WORKTREE if head == WORKTREE else resolve(root, head)
    base_ref = base or default_branch(root)
    base_sha = resolve(root, base_ref)
    fork_point = merge_base(root, base_sha, resolve(root, "HEAD") if head_sha == WORKTREE else head_sha)
    reader = _BlobReader(root)
    head_tree = worktree(root) if head_sha == WORKTREE else tree_at(root, head_sha, reader)
    return ChangeSet(
        repo_root=root,
        base_sha=fork_point,
        head_sha=head_sha,
        base=tree_at(root, fork_point, reader),
        head=head_tree,
        files=changed_files(root, fork_point, head_sha),
    )
