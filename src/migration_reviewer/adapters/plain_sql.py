"""Plain SQL folders that no migration tool claims: numbered `.sql` files that a script runs in name order
(`psql -f` on each), and folders named the Flyway way (`V<version>__<description>.sql`).

Numbered files are ordered by natural sort (`2_x.sql` before `10_x.sql`), and a `*.down.sql`, `*_down.sql` or
`*.undo.sql` file is the down of the up file with the same stem. Flyway files are ordered by version
(`V1.10` after `V1.9`), `U<version>__` files are their undo, and repeatable `R__` files come last. Each
statement commits on its own, as with `psql -f`.
"""

from __future__ import annotations

import re

from migration_reviewer.adapters._common import (
    OrderKey,
    RunnerWords,
    Side,
    dialect_from_path,
    files_in,
    folders_where,
    join,
    load_sides,
    natural_key,
)
from migration_reviewer.adapters.base import (
    MigrationSet,
    ProblemKind,
    Wrapping,
)
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

# Folders of SQL that is not a migration history even when its files are numbered.
_NOT_MIGRATIONS = frozenset({"test", "tests", "testdata", "__tests__", "fixtures", "seeds", "queries"})
_NUMBERED = re.compile(r"V?\d.*\.sql")
_FLYWAY = re.compile(r"([VU])(\d+(?:[._]\d+)*)__(.+)\.sql")
_REPEATABLE = re.compile(r"R__(.+)\.sql")
_DOWN = re.compile(r"(.+?)(?:\.down|_down|\.undo)\.sql")
_UP = re.compile(r"(.+?)(?:\.up|_up)?\.sql")

_NUMBERED_WORDS = RunnerWords(
    edited="a runner that records the files it applied never runs it again, so the edit never runs there; "
    "put the change in a new file",
    deleted="those databases keep its changes while fresh ones no longer get them; restore the file",
    out_of_order="a runner that records the highest number applied skips it, and one that records file names "
    "runs it after newer ones; give it a number above the newest one",
)
_NUMBERED_NOTE = ("no migration tool recognised: replayed in file name order (numbers compared as numbers), "
                  "each statement committing on its own as with psql -f")
_FLYWAY_NOTE = ("Flyway-style names: replayed in version order with repeatable migrations last, each "
                "statement committing on its own (Flyway itself wraps each migration in a transaction where "
                "the database allows)")
_FLYWAY_WORDS = RunnerWords(
    edited="Flyway's validation fails on the checksum and migrate stops until `flyway repair` accepts the "
    "edit without running it; put the change in a new migration",
    deleted="Flyway's validation fails on an applied migration it cannot find; restore the file",
    out_of_order="Flyway's validation fails on a pending version below the current one unless outOfOrder is "
    "enabled; give it a version above the newest one",
)


class PlainSqlAdapter:
    name = "plain-sql"

    def detect(self, tree: RepoTree) -> list[str]:
        return folders_where(
            tree,
            lambda folder, names: _NOT_MIGRATIONS.isdisjoint(folder.lower().split("/"))
            and any(_NUMBERED.fullmatch(n) for n in names),
        )

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        dialect = dialect_from_path(root)
        head_names = _sql_names(changes.head, root)
        # One naming scheme for both sides, so that ids match: the head's, unless the folder is gone there.
        flyway = any(_FLYWAY.fullmatch(n) for n in head_names or _sql_names(changes.base, root))
        read_side = _flyway_side if flyway else _numbered_side
        return load_sides(
            changes,
            lambda tree: read_side(tree, root),
            root=root,
            framework=self.name,
            dialect=dialect,
            words=_FLYWAY_WORDS if flyway else _NUMBERED_WORDS,
            notes=(_FLYWAY_NOTE if flyway else _NUMBERED_NOTE,
                   f"the folder does not say which database it is for: assumed {dialect} from its path"),
        )


def _sql_names(tree: RepoTree, root: str) -> list[str]:
    return [n for n in files_in(tree, root) if n.endswith(".sql")]


def _numbered_side(tree: RepoTree, root: str) -> Side:
    side = Side()
    names = _sql_names(tree, root)
    up_ids = {_up_id(n) for n in names if not _DOWN.fullmatch(n)}
    downs: dict[str, str] = {}  # up id → down file name
    for name in names:
        match = _DOWN.fullmatch(name)
        # Without an up file of the same stem, `x_down.sql` may just be named so (`003_shut_down.sql`).
        if match and match[1] in up_ids:
            downs.setdefault(match[1], name)
    ups = sorted((n for n in names if n not in downs.values()), key=natural_key)
    by_number: dict[int, list[str]] = {}
    for name in ups:
        if digits := re.match(r"\d+", name):
            by_number.setdefault(int(digits[0]), []).append(name)
    for number, same in by_number.items():
        if len(same) > 1:
            # Each file stays its own migration: only a runner that records numbers would trip on them.
            side.duplicate(str(number), [join(root, n) for n in same],
                           "a runner that records numbers runs only one of them", skip=False)
    for name in ups:
        migration_id = _up_id(name)
        _add(side, tree, root, migration_id=migration_id, up_name=name, down_name=downs.get(migration_id),
             title=re.sub(r"^\d+[-_.]*", "", migration_id) or migration_id, key=natural_key(name))
    return side


def _up_id(name: str) -> str:
    """`001_init.up.sql`, `001_init_up.sql` and `001_init.sql` are all migration `001_init`."""
    match = _UP.fullmatch(name)
    return match[1] if match else name


def _flyway_side(tree: RepoTree, root: str) -> Side:
    side = Side()
    found: dict[str, dict[tuple[int, ...], list[str]]] = {"V": {}, "U": {}}  # prefix → version → names
    repeatable: list[str] = []
    for name in _sql_names(tree, root):
        if match := _FLYWAY.fullmatch(name):
            version = _flyway_version(match[2])
            found[match[1]].setdefault(version, []).append(name)
        elif _REPEATABLE.fullmatch(name):
            repeatable.append(name)
        else:
            side.problem(ProblemKind.INVALID, f"{name} is not named V<version>__<description>.sql: Flyway "
                         "ignores it", join(root, name))
    versioned: dict[tuple[int, ...], str] = {}
    undo: dict[tuple[int, ...], str] = {}
    for prefix, kept in (("V", versioned), ("U", undo)):
        for version, names in found[prefix].items():
            if len(names) > 1:
                paths = [join(root, n) for n in names]
                side.duplicate(_flyway_id(version), paths, "Flyway refuses to migrate", skip=True)
            else:
                kept[version] = names[0]
    for version, name in undo.items():
        if version not in versioned:
            side.problem(ProblemKind.MISSING_FILE, f"{name} undoes a version that has no V file",
                         join(root, name))

    for version in sorted(versioned):
        name = versioned[version]
        _add(side, tree, root, migration_id=_flyway_id(version), up_name=name, down_name=undo.get(version),
             title=_description(name), key=(0, *version))
    for name in sorted(repeatable):
        _add(side, tree, root, migration_id=name.removesuffix(".sql"), up_name=name, down_name=None,
             title=_description(name), key=(1, name), repeatable=True)
    return side


def _add(
    side: Side, tree: RepoTree, root: str, *, migration_id: str, up_name: str, down_name: str | None,
    title: str, key: OrderKey, repeatable: bool = False,
) -> None:
    """Adds one migration whose files run as they are, each statement on its own."""
    side.add_files(tree, migration_id=migration_id, name=title, up_path=join(root, up_name),
                   down_path=join(root, down_name) if down_name else None, wrapping=Wrapping.NONE, key=key,
                   repeatable=repeatable)


def _flyway_version(text: str) -> tuple[int, ...]:
    """`1_10` → (1, 10). Flyway compares versions part by part with missing parts as zero, so `1.0` is
    version 1: trailing zeros are dropped."""
    parts = [int(part) for part in re.split(r"[._]", text)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _flyway_id(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def _description(name: str) -> str:
    return name.removesuffix(".sql").partition("__")[2]
