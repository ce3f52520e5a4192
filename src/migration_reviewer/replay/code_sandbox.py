"""Confinement for a project's own code (Alembic's env.py and revisions, pip for `install`) when the review
runs as a normal user: there is no other user to hand it to, so it runs as that user, in namespaces of its
own. There the folders that hold the user's secrets and the job's files (home, the review's cache, the
runner's command files and event, the checkout) are empty, only the Python it needs is put back, read
only, and the review's own processes do not exist (a PID namespace with its own /proc). It keeps the
network (pip needs it) and the temporary folders the review shares with it.

Linux user namespaces through util-linux's `unshare` and `setpriv`; where the system does not allow them
(a container without the right, AppArmor's restriction on Ubuntu 24.04), the code runs unconfined and
the report says so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

# Runs inside the new namespaces as their root: stage the folders to keep, cover the ones to hide with an
# empty tmpfs, put the kept ones back, then run the command as the user's own uid in a namespace nested
# in these: without any capability, and without any over the mounts above, which it cannot undo.
_SETUP = r"""
set -eu
stage=$1 uid=$2 gid=$3; shift 3
keep=(); while [ "$1" != -- ]; do keep+=("$1"); shift; done; shift
hide=(); while [ "$1" != -- ]; do hide+=("$1"); shift; done; shift
mount -t tmpfs -o mode=0700 staging "$stage"
for i in "${!keep[@]}"; do mkdir "$stage/$i"; mount --rbind "${keep[$i]}" "$stage/$i"; done
for folder in "${hide[@]}"; do mount -t tmpfs -o mode=0755,size=16m hidden "$folder"; done
for i in "${!keep[@]}"; do
    mkdir -p "${keep[$i]}"
    mount --rbind "$stage/$i" "${keep[$i]}"
    mount -o remount,bind,ro "${keep[$i]}" 2>/dev/null || true
done
umount -l "$stage"
exec unshare --user --map-user="$uid" --map-group="$gid" setpriv --no-new-privs -- "$@"
"""
_UNSHARE = ["unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child",
            "--mount-proc"]
# Never covered, whatever the environment says: the system, and where the review and the code meet.
_SYSTEM = {Path(p) for p in ("/", "/usr", "/etc", "/bin", "/lib", "/tmp", "/dev", "/dev/shm", "/proc",
                              "/var")}
_JOB_FILES = ("GITHUB_EVENT_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH",
              "GITHUB_STATE")
_JOB_FOLDERS = ("RUNNER_TEMP", "GITHUB_WORKSPACE", "MIGRATION_REVIEWER_CACHE_DIR", "XDG_CACHE_HOME")

UNAVAILABLE_NOTE = (
    "the Alembic revisions ran as the review's own user, unconfined: this system does not allow user "
    "namespaces, so they could read what that user can (see SECURITY.md)"
)


@functools.cache
def available() -> bool:
    """Whether the namespaces can be made here (tried once per process)."""
    if os.geteuid() == 0 or not all(shutil.which(tool) for tool in ("unshare", "setpriv", "bash", "mount")):
        return False
    with tempfile.TemporaryDirectory(prefix="mr-confine-") as stage:
        try:
            done = subprocess.run(confine(["true"], Path(stage), [], []), capture_output=True, timeout=10,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return done.returncode == 0


def hidden_folders(environ: dict[str, str] | os._Environ[str] = os.environ) -> list[Path]:
    """What the code must not see: home, the job's files and folders, the review's cache and the folder
    the review started in (the checkout, usually). Each once, outermost only."""
    candidates = [Path.home(), Path.cwd()]
    candidates += [Path(environ[name]).parent for name in _JOB_FILES if environ.get(name)]
    candidates += [Path(environ[name]) for name in _JOB_FOLDERS if environ.get(name)]
    existing = {p.resolve() for p in candidates if p.is_absolute() and p.is_dir()}
    folders = sorted(existing, key=lambda p: len(p.parts))
    outermost: list[Path] = []
    for folder in folders:
        if folder in _SYSTEM or any(folder.is_relative_to(o) for o in outermost):
            continue
        outermost.append(folder)
    return outermost


def kept_folders(hidden: Sequence[Path], extra: Iterable[Path] = ()) -> list[Path]:
    """What the code needs of the `hidden` folders, put back where it was: this Python and its libraries,
    the temporary folder, and `extra`; never a folder that holds a hidden one (the checkout, where the
    review runs with `python -m` from it)."""
    folders = {Path(sys.executable).resolve().parent, Path(sys.prefix), Path(sys.base_prefix),
               Path(tempfile.gettempdir()), *(Path(p) for p in sys.path if p), *extra}
    existing = {f.resolve() for f in folders if f.is_absolute() and f.is_dir()}
    return sorted(
        (f for f in existing
         if any(f.is_relative_to(h) for h in hidden) and not any(h.is_relative_to(f) for h in hidden)),
        key=lambda p: len(p.parts),
    )


def confine(command: Sequence[str], stage: Path, keep: Sequence[Path], hide: Sequence[Path],
            ids: tuple[int, int] | None = None) -> list[str]:
    """`command`, run in the namespaces. `stage`: an empty folder of ours the setup works in; `ids`: the
    uid and gid of whoever runs it (default: ours), which the command keeps."""
    uid, gid = ids or (os.getuid(), os.getgid())
    return [*_UNSHARE, "bash", "-c", _SETUP, "confine", str(stage), str(uid), str(gid),
            *map(str, keep), "--", *map(str, hide), "--", *command]
