"""golang-migrate: `{version}_{title}.up.sql` and `.down.sql` files in one folder.

The runner parses the version as an unsigned 64-bit integer, orders numerically, and applies only the
versions above the database's current one. The postgres and mysql drivers send each file as one
multi-statement query (an implicit transaction on PostgreSQL only); the sqlite3 driver wraps each file in a
transaction. There is no record of the database type in the folder.
"""

from __future__ import annotations

import re

from migration_reviewer.adapters._common import (
    RunnerWords,
    Side,
    dialect_from_path,
    files_in,
    folders_where,
    join,
    load_sides,
)
from migration_reviewer.adapters.base import (
    Dialect,
    MigrationSet,
    ProblemKind,
    Wrapping,
)
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

# golang-migrate's own file name pattern; the last part is the extension (`sql`, or `json` for MongoDB…).
_FILE = re.compile(r"(\d+)_(.*)\.(up|down)\.(.*)")
_MAX_VERSION = 2**64 - 1

_WORDS = RunnerWords(
    edited="golang-migrate only runs versions above the database's current version, so the edit never runs "
    "there; put the change in a new migration",
    deleted="when it is a database's current version golang-migrate stops with \"no migration found for "
    "version\", and `migrate down` cannot step past it; restore the file",
    out_of_order="golang-migrate only runs versions above the database's current version, so databases where "
    "the base branch was deployed skip it silently; give it a version above the newest one",
)


class GolangMigrateAdapter:
    name = "golang-migrate"

    def detect(self, tree: RepoTree) -> list[str]:
        return folders_where(tree, lambda _, names: any(map(_is_sql_up_file, names)))

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        dialect = dialect_from_path(root)
        wrapping = Wrapping.PER_MIGRATION if dialect is Dialect.SQLITE else Wrapping.SCRIPT
        return load_sides(
            changes,
            lambda tree: _read_side(tree, root, wrapping),
            root=root,
            framework=self.name,
            dialect=dialect,
            words=_WORDS,
            notes=(f"golang-migrate does not record the database type: assumed {dialect} from the folder "
                   "path",),
        )


def _is_sql_up_file(name: str) -> bool:
    match = _FILE.fullmatch(name)
    return match is not None and match[3] == "up" and match[4] == "sql"


def _read_side(tree: RepoTree, root: str, wrapping: Wrapping) -> Side:
    side = Side()
    # version → (file name, title) of its up files and of its down files, in name order
    ups: dict[int, list[tuple[str, str]]] = {}
    downs: dict[int, list[tuple[str, str]]] = {}
    for name in files_in(tree, root):
        match = _FILE.fullmatch(name)
        if match is None:
            if name.endswith(".sql") and name[0].isdigit():
                side.problem(ProblemKind.INVALID, f"{name} is not named {{version}}_{{title}}.up.sql or "
                             ".down.sql: golang-migrate ignores it", join(root, name))
            continue
        if match[4] != "sql":
            continue
        version = int(match[1])
        if version > _MAX_VERSION:
            side.problem(ProblemKind.INVALID, f"version {match[1]} does not fit an unsigned 64-bit integer: "
                         "golang-migrate ignores the file", join(root, name))
            continue
        (ups if match[3] == "up" else downs).setdefault(version, []).append((name, match[2]))

    for version in sorted(ups.keys() | downs.keys()):
        up_files, down_files = ups.get(version, []), downs.get(version, [])
        migration_id = str(version)
        duplicates = [files for files in (up_files, down_files) if len(files) > 1]
        for files in duplicates:
            side.duplicate(migration_id, [join(root, name) for name, _ in files],
                           "golang-migrate refuses to run with duplicate migration files", skip=True)
        if duplicates:
            continue
        if not up_files:
            side.problem(ProblemKind.MISSING_FILE, f"version {version} has a down file but no up file: "
                         "golang-migrate records the version without running anything",
                         join(root, down_files[0][0]))
            continue
        up_name, title = up_files[0]
        side.add_files(tree, migration_id=migration_id, name=title, up_path=join(root, up_name),
                       down_path=join(root, down_files[0][0]) if down_files else None, wrapping=wrapping,
                       key=(version,))
    return side
