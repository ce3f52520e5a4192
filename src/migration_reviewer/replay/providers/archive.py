"""A stopped cluster's data folder kept as one file, and made a folder again.

A replayed base is thousands of small files. Creating them one by one on a disk costs far more than their
bytes (on a journaling file system, about 0.4 ms a file: over a second for a history of 1,000 migrations),
while one file of the same bytes is written in one go. Files equal to those of a reference folder (the
initialised data folder every cluster starts from: template databases, most of the catalog) are not stored
again, only named, and come from that folder when the archive is unpacked.

Layout: the stored files' bytes one after the other, then the index (JSON), then the notes kept with the
cluster's databases (JSON: name → text), then a trailer giving where the index and the notes start and how
long they are. The notes are read without the rest, before the folder is made.

The module needs nothing but the standard library, so that it also runs as a script of its own
(`python -I -S archive.py fill …`): a review fills the data folder in that process while it loads its
database driver, on the other core.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import struct
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_MAGIC = b"migration-reviewer cluster 2\n"
_TRAILER = struct.Struct("<QQQQ")  # index offset, index length, notes offset, notes length
_CHUNK = 1 << 20
# The coarsest step of file times among common file systems (FAT's two seconds): a write in the same step
# as a twin's time could leave the same time behind.
_TIME_STEP_NS = 2_000_000_000


class ArchiveError(ValueError):
    """The archive is not one this version wrote, or it is damaged."""


def pack(
    folder: Path,
    archive: Path,
    reference: Path | None = None,
    started_ns: int | None = None,
    notes: Mapping[str, str] | None = None,
) -> None:
    """Write `folder` into `archive` (a new file), with `notes` (see `read_notes`). A file with the same
    bytes at the same place in `reference` is named, not stored. `started_ns` (nanoseconds since the epoch):
    nothing wrote to `folder` before then but the copy from `reference` (`copy_tree`, which keeps its
    times); a file whose size and time are still its twin's is then known to be the same unread."""
    entries: list[dict[str, Any]] = []
    # Paths as strings, not Path objects: thousands of files.
    twins = f"{reference}/" if reference is not None else None
    # Unbuffered: the files' bytes go in by the kernel (sendfile), the index and trailer by write.
    with open(archive, "xb", buffering=0) as out:
        out.write(_MAGIC)
        for relative, entry in _walk(folder):
            info = entry.stat(follow_symlinks=False)
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISDIR(info.st_mode):
                entries.append({"dir": relative, "mode": mode})
            elif stat.S_ISLNK(info.st_mode):
                entries.append({"symlink": relative, "to": os.readlink(entry.path)})
            elif twins is not None and _same_bytes(entry.path, info, twins + relative, started_ns):
                entries.append({"file": relative, "mode": mode, "from_reference": True})
            else:
                offset = out.tell()
                source = os.open(entry.path, os.O_RDONLY)
                try:
                    _send(out.fileno(), source, 0, info.st_size, entry.path)
                finally:
                    os.close(source)
                entries.append({"file": relative, "mode": mode, "offset": offset, "size": info.st_size})
        index = json.dumps(entries, separators=(",", ":")).encode()
        index_offset = out.tell()
        out.write(index)
        kept_notes = json.dumps(dict(notes or {}), separators=(",", ":")).encode()
        out.write(kept_notes)
        out.write(_TRAILER.pack(index_offset, len(index), index_offset + len(index), len(kept_notes)))


def unpack(archive: Path, folder: Path, owner: tuple[int, int] | None, reference: Path | None = None) -> None:
    """Make `folder` (which must not exist) from `archive`, its files owned by `owner` when given. Raises
    ArchiveError when the archive is damaged or needs a reference that is not there."""
    with open(archive, "rb") as source:
        entries = _index(source)
        fd = source.fileno()
        os.mkdir(folder, 0o700)
        _own(folder, owner)
        for entry in entries:
            if "dir" in entry:
                target = folder / entry["dir"]
                os.mkdir(target, entry["mode"])
                _own(target, owner)
            elif "symlink" in entry:
                target = folder / entry["symlink"]
                os.symlink(entry["to"], target)
                if owner:
                    os.lchown(target, *owner)
            elif entry.get("from_reference"):
                if reference is None:
                    raise ArchiveError("the archive needs the folder it was made against")
                try:
                    with open(reference / entry["file"], "rb") as twin:
                        write_file(folder / entry["file"], entry["mode"], owner, twin.fileno(), 0, None)
                except FileNotFoundError:
                    raise ArchiveError(f"{entry['file']} is missing from {reference}") from None
            else:
                write_file(folder / entry["file"], entry["mode"], owner, fd, entry["offset"], entry["size"])


def read_notes(archive: Path) -> dict[str, str]:
    """The notes kept with the archive's databases (what was learnt of them, by database name), read
    without the rest of the archive. Raises ArchiveError when the archive is damaged."""
    with open(archive, "rb") as source:
        notes = _section(source, 2)
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        raise ArchiveError("the archive is damaged: no notes")
    return notes


def fill(folder: Path, pristine: Path, owner: tuple[int, int] | None, kept: Path | None = None) -> str | None:
    """Make the data folder `folder`: from the kept cluster `kept` when one is given and it unpacks, else
    as a copy of the initialised folder `pristine`. Returns why `kept` could not be used (None: it was,
    or none was given). Raises OSError when the copy fails."""
    problem = None
    if kept is not None:
        try:
            unpack(kept, folder, owner, reference=pristine)
            return None
        except (OSError, ArchiveError) as exc:
            problem = str(exc)
            shutil.rmtree(folder, ignore_errors=True)
    copy_tree(pristine, folder, owner)
    return problem


def copy_tree(source: Path, target: Path, owner: tuple[int, int] | None) -> None:
    """Copy a data folder with its modes and its files' modification times (which `pack` reads), owned by
    `owner` when given. Faster than shutil.copytree, which also copies access times, extended attributes
    and folder times that nothing here reads."""
    os.mkdir(target, stat.S_IMODE(os.stat(source).st_mode))
    _own(target, owner)
    with os.scandir(source) as entries:
        for entry in entries:
            to = target / entry.name
            if entry.is_dir(follow_symlinks=False):
                copy_tree(Path(entry.path), to, owner)
            elif entry.is_symlink():
                os.symlink(os.readlink(entry.path), to)
                if owner:
                    os.lchown(to, *owner)
            else:
                st = entry.stat(follow_symlinks=False)
                fd = os.open(entry.path, os.O_RDONLY)
                try:
                    # With the source's time: `pack` tells a file nothing wrote to since by that time.
                    write_file(to, stat.S_IMODE(st.st_mode), owner, fd, 0, st.st_size, st.st_mtime_ns)
                finally:
                    os.close(fd)


def fill_command(folder: Path, pristine: Path, owner: tuple[int, int] | None, kept: Path | None) -> list[str]:
    """The command that runs `fill` in a process of its own: a Python that loads nothing but this file
    (-I: no environment, user site or script folder on the path; -S: no site-packages)."""
    return [
        sys.executable, "-I", "-S", __file__, "fill", str(folder), str(pristine),
        f"{owner[0]}:{owner[1]}" if owner else "-", str(kept) if kept else "-",
    ]


def _main(args: list[str]) -> int:
    """`fill FOLDER PRISTINE OWNER KEPT` (OWNER uid:gid, or -; KEPT a path, or -): prints why the kept
    cluster could not be used, if it could not; exit code 1, with the reason, when the folder cannot be
    made at all."""
    command, folder, pristine, owner, kept = args
    assert command == "fill"
    uid_gid = None
    if owner != "-":
        uid, gid = owner.split(":")
        uid_gid = (int(uid), int(gid))
    try:
        problem = fill(Path(folder), Path(pristine), uid_gid, None if kept == "-" else Path(kept))
    except OSError as exc:
        print(exc, file=sys.stderr)
        return 1
    if problem is not None:
        print(problem)
    return 0


def _section(source: Any, which: int) -> Any:
    """The JSON section the trailer's `which`-th pair of numbers places (0: the index, 2: the notes)."""
    if source.read(len(_MAGIC)) != _MAGIC:
        raise ArchiveError("not a cluster archive of this version")
    try:
        size = source.seek(-_TRAILER.size, os.SEEK_END)
        offset, length = _TRAILER.unpack(source.read(_TRAILER.size))[which : which + 2]
        if not 0 <= offset <= offset + length <= size:
            # A file cut short ends in bytes of its middle: read as a trailer, they place a section
            # anywhere, gigabytes long.
            raise ValueError(f"a section of {length} bytes at {offset} lies outside the file")
        source.seek(offset)
        return json.loads(source.read(length))
    except (OSError, ValueError, struct.error, RecursionError) as exc:
        raise ArchiveError(f"the archive is damaged: {type(exc).__name__}: {exc}") from None


def _index(source: Any) -> list[dict[str, Any]]:
    entries = _section(source, 0)
    if not isinstance(entries, list):
        raise ArchiveError("the archive is damaged: no index")
    for entry in entries:
        name = entry.get("dir") or entry.get("file") or entry.get("symlink") or ""
        # Paths come from a file a cache may have handed us: none may climb out of the folder.
        if not name or name.startswith("/") or ".." in name.split("/"):
            raise ArchiveError(f"the archive names a path outside its folder: {name!r}")
    return entries


def _walk(folder: Path, prefix: str = "") -> Any:
    """(relative path, entry) of everything below `folder`, each folder before what it holds."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            relative = f"{prefix}{entry.name}"
            yield relative, entry
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), relative + "/")


def write_file(
    target: Path,
    mode: int,
    owner: tuple[int, int] | None,
    source_fd: int,
    offset: int,
    size: int | None,
    mtime_ns: int | None = None,
) -> None:
    """Create `target` with `size` bytes of `source_fd` from `offset` (to its end when None), owned by
    `owner` and modified at `mtime_ns` when given. Raises OSError when the source ends early."""
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if size is None:
            size = os.fstat(source_fd).st_size - offset
        _send(out, source_fd, offset, size, f"the source of {target.name}")
        if owner:
            os.fchown(out, *owner)
        if mtime_ns is not None:
            os.utime(out, ns=(mtime_ns, mtime_ns))
    finally:
        os.close(out)


def _send(out: int, source_fd: int, offset: int, size: int, source: str) -> None:
    """Write `size` bytes of `source_fd` from `offset` at `out`'s position. Raises OSError when the source
    (named `source` in the message) ends early."""
    left = size
    while left > 0:
        # sendfile with an offset reads the source without moving its position, in the kernel, and works
        # between file systems (the cache on disk, the cluster on tmpfs); copy_file_range does not on
        # recent kernels.
        if sys.platform == "linux":
            sent = os.sendfile(out, source_fd, offset, left)
        else:
            sent = os.write(out, os.pread(source_fd, min(left, _CHUNK), offset))
        if sent == 0:
            raise OSError(errno.EIO, f"{source} ends {left} bytes early")
        offset += sent
        left -= sent


def _own(path: Path, owner: tuple[int, int] | None) -> None:
    if owner:
        os.chown(path, *owner)


def _same_bytes(path: str, mine: os.stat_result, twin: str, started_ns: int | None) -> bool:
    try:
        theirs = os.stat(twin)
        if mine.st_size != theirs.st_size:
            return False
        if started_ns is not None and mine.st_mtime_ns == theirs.st_mtime_ns < started_ns - _TIME_STEP_NS:
            # The copy still has its source's time, older than anything written since the start: a write
            # would have set the time of its moment.
            return True
        with open(path, "rb") as first, open(twin, "rb") as second:
            while chunk := first.read(_CHUNK):
                if chunk != second.read(len(chunk)):
                    return False
    except OSError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
