"""What `install` asks for, as pip arguments: requirement strings, the project's requirement files
(`-r backend/requirements.txt`), a pyproject's dependencies (`backend/pyproject.toml`) and the pins of a
`uv.lock`. The files come from the head side of the change; the local folders they name are copied beside
them, so pip builds what the pull request holds. The content of all of it makes the key under which the
installed packages are kept for the next review.
"""

from __future__ import annotations

import hashlib
import os
import platform
import posixpath
import re
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migration_reviewer.discovery.changeset import RepoTree

# pip's own settings that change what it installs: part of the key.
_PIP_SETTINGS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONSTRAINT", "PIP_NO_INDEX")
_FILE_OPTION = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)")
_EDITABLE = re.compile(r"^\s*(?:-e|--editable)(?:\s*=\s*|\s+)")
_LOCAL = re.compile(r"^(?:\.{1,2}/|/)")


class InstallError(Exception):
    """An `install` entry that cannot be turned into something pip installs."""


@dataclass
class InstallPlan:
    """What pip installs, and the repository's files to write for it first (under a folder that stands
    for the repository's top: `arguments(folder)`)."""

    # ("text", a requirement as written) or ("path", a repository-relative file or folder)
    entries: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # repository-relative path → content
    # Where pip runs, as a user would run it: beside the first requirements file.
    working_folder: str = ""
    skipped: list[str] = field(default_factory=list)  # what a lock holds that pip cannot take from it
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    def key(self) -> str:
        """The content hash of everything that decides what pip installs."""
        digest = self._digest.copy()
        digest.update(f"{sys.version}|{platform.machine()}|{platform.libc_ver()}".encode())
        for name in _PIP_SETTINGS:
            digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
        for kind, value in self.entries:
            digest.update(f"{kind}:{value}".encode() + b"\0")
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0" + hashlib.sha256(self.files[path]).digest())
        return digest.hexdigest()


    def arguments(self, top: Path) -> list[str]:
        """pip's arguments where `top` holds `files`."""
        return [str(top / value) if kind == "path" else value for kind, value in self.entries]

    def described(self) -> str:
        """What was asked for, short: `-r backend/requirements.txt, alembic-utils==0.8.2 and 40 more`."""
        said: list[str] = []
        for _, value in self.entries:
            if said and said[-1] in ("-r", "-e"):
                said[-1] += f" {value}"
            else:
                said.append(value)
        more = f" and {len(said) - 12} more" if len(said) > 12 else ""
        return ", ".join(said[:12]) + more


def plan_install(entries: Sequence[str], tree: RepoTree) -> InstallPlan:
    plan = InstallPlan()
    for entry in entries:
        match = re.match(r"^\s*(?:-r|--requirement)(?:\s*=\s*|\s+)(\S+)\s*$", entry)
        path = entry.strip()
        if match:
            file = posixpath.normpath(match[1])
            if not any(value in plan.files for _, value in plan.entries):
                plan.working_folder = posixpath.dirname(file)
            _requirements_file(file, tree, plan, set())
            plan.entries += [("text", "-r"), ("path", file)]
        elif posixpath.basename(path) == "pyproject.toml":
            plan.entries += [("text", d) for d in _pyproject_dependencies(_read(tree, path, entry), path)]
        elif posixpath.basename(path) == "uv.lock":
            pins, skipped = _lock_pins(_read(tree, path, entry), path)
            plan.entries += [("text", pin) for pin in pins]
            plan.skipped += skipped
        else:
            editable = _EDITABLE.match(entry)
            requirement = _EDITABLE.sub("", entry).strip()
            folder = _local_folder(requirement, "", tree, plan)
            if editable:
                plan.entries.append(("text", "-e"))
            plan.entries.append(("path", folder) if folder is not None else ("text", requirement))
    return plan


def _read(tree: RepoTree, path: str, entry: str) -> bytes:
    path = posixpath.normpath(path)
    if not tree.exists(path):
        raise InstallError(f"{entry}: no such file in the repository")
    return tree.read_bytes(path)


def _requirements_file(path: str, tree: RepoTree, plan: InstallPlan, seen: set[str]) -> None:
    """The file, the files it names (`-r`, `-c`, relative to it) and the local folders it installs."""
    path = posixpath.normpath(path)
    if path in seen:
        return
    seen.add(path)
    if not tree.exists(path):
        raise InstallError(f"-r {path}: no such file in the repository")
    content = tree.read_bytes(path)
    plan.files[path] = content
    for line in content.decode(errors="replace").splitlines():
        line = line.split(" #", 1)[0].strip()
        named = _FILE_OPTION.match(line)
        if named:
            _requirements_file(posixpath.join(posixpath.dirname(path), named[1]), tree, plan, seen)
        elif line and not line.startswith("#"):
            # pip reads a local path in a requirements file from where it runs (`working_folder`).
            requirement = _EDITABLE.sub("", line).split(";", 1)[0].strip()
            _local_folder(requirement, plan.working_folder, tree, plan)


def _local_folder(requirement: str, base: str, tree: RepoTree, plan: InstallPlan) -> str | None:
    """A requirement that is a folder of the repository (`./libs/helpers`): its files are written where
    pip builds them, and their content is part of the key. Its repository-relative path, if it is one."""
    if requirement.startswith("/"):
        if os.path.isdir(requirement):
            for on_disk in _files_on_disk(Path(requirement)):  # outside the repository: the key reads it
                plan._digest.update(str(on_disk).encode() + b"\0" + on_disk.read_bytes())
        return None
    if not _LOCAL.match(requirement):
        return None
    folder = posixpath.normpath(posixpath.join(base, requirement.split("[", 1)[0]))
    files = tree.files_under(folder)
    for file in files:
        plan.files[file] = tree.read_bytes(file)
    return folder if files else None


def _files_on_disk(folder: Path) -> Iterator[Path]:
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if f not in (".git", "__pycache__", "node_modules"))
        for name in sorted(files):
            yield Path(root, name)


def _pyproject_dependencies(content: bytes, path: str) -> list[str]:
    try:
        data = tomllib.loads(content.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstallError(f"{path}: not valid TOML: {exc}") from None
    dependencies = data.get("project", {}).get("dependencies")
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise InstallError(f"{path} has no [project] dependencies list (Poetry's own tables are not read): "
                           "name a requirements file or the packages instead")
    return list(dependencies)


def _lock_pins(content: bytes, path: str) -> tuple[list[str], list[str]]:
    """`name==version` for every package the lock's projects need at run time on this platform (not
    their dev groups), from a package index; what comes from elsewhere (git, a URL, a folder) is skipped
    and said."""
    from packaging.markers import InvalidMarker, Marker

    try:
        packages = tomllib.loads(content.decode()).get("package", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstallError(f"{path}: not valid TOML: {exc}") from None
    by_name: dict[str, list[dict[str, object]]] = {}
    for package in packages:
        by_name.setdefault(str(package.get("name")), []).append(package)

    def applies(edge: dict[str, object]) -> bool:
        marker = edge.get("marker")
        try:
            return marker is None or Marker(str(marker)).evaluate({"extra": ""})
        except InvalidMarker:
            return True

    def target(edge: dict[str, object]) -> dict[str, object] | None:
        candidates = by_name.get(str(edge.get("name")), [])
        wanted = edge.get("version")
        return next((c for c in candidates if wanted is None or c.get("version") == wanted), None)

    roots = [p for p in packages if {"editable", "virtual"} & set(p.get("source", {}))]
    pending: list[tuple[dict[str, object], tuple[str, ...]]] = [(root, ()) for root in roots]
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    pins: dict[str, str] = {}
    skipped: list[str] = []
    while pending:
        package, extras = pending.pop()
        identity = (str(package.get("name")), str(package.get("version")), extras)
        if identity in seen:
            continue
        seen.add(identity)
        source = package.get("source", {})
        assert isinstance(source, dict)
        if package not in roots:
            if "registry" in source:
                pins[str(package["name"])] = f"{package['name']}=={package['version']}"
            else:
                skipped.append(f"{package.get('name')} ({', '.join(f'{k} {v}' for k, v in source.items())})")
        edges = list(package.get("dependencies", []))  # type: ignore[call-overload]
        optional = package.get("optional-dependencies", {})
        assert isinstance(optional, dict)
        for extra in extras:
            edges += optional.get(extra, [])
        for edge in edges:
            dependency = target(edge)
            if dependency is not None and applies(edge):
                pending.append((dependency, tuple(sorted(edge.get("extra", [])))))
    return sorted(pins.values()), sorted(set(skipped))
