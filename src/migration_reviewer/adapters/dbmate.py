"""dbmate: one `{version}_{name}.sql` file per migration, with `-- migrate:up` and `-- migrate:down` blocks.

The runner takes every file whose name starts with a digit, sorts them by file name, and records the
leading digits as the version. Each up block runs in its own transaction unless its marker line says
`transaction:false`. Recent dbmate versions accept several up/down pairs in one file and refuse a file
without a down block, with statements before the first up block, or with the blocks the wrong way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migration_reviewer.adapters._common import (
    RunnerWords,
    Side,
    dialect_from_path,
    files_in,
    folders_where,
    join,
    load_sides,
    split_lines,
)
from migration_reviewer.adapters.base import (
    Migration,
    MigrationSet,
    MigrationStatus,
    PlanProblem,
    ProblemKind,
    SqlScript,
    Wrapping,
)
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

_FILE = re.compile(r"(\d+).*\.sql")
# A block marker starts a line, as in dbmate's own patterns; options may follow on the same line.
_MARKER = re.compile(r"^--\s*migrate:(up|down)(?:\s|$)", re.MULTILINE)

_DUPLICATE = ("dbmate records versions, so once one runs the others count as applied (on a fresh database "
              "they fail to record)")
_WORDS = RunnerWords(
    edited="dbmate records versions and never runs an applied file again; put the change in a new migration",
    deleted="dbmate keeps the version as applied, and `dbmate rollback` fails once it reaches it; restore "
    "the file",
    out_of_order="dbmate applies it after the newer ones (and refuses it under --strict), so those databases "
    "apply the migrations in a different order than a fresh one; give it a version above the newest one",
)


class DbmateAdapter:
    name = "dbmate"

    def detect(self, tree: RepoTree) -> list[str]:
        # Every dbmate migration has the marker: a few files of a folder tell, without reading a long
        # history of another framework's files.
        return folders_where(
            tree,
            lambda folder, names: any(
                _has_up_marker(tree, join(folder, n)) for n in sorted(filter(_FILE.fullmatch, names))[:3]
            ),
        )

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        dialect = dialect_from_path(root)
        return load_sides(
            changes,
            lambda tree: _read_side(tree, root),
            root=root,
            framework=self.name,
            dialect=dialect,
            words=_WORDS,
            notes=(f"dbmate takes the database from DATABASE_URL: assumed {dialect} from the folder path",),
        )


def _has_up_marker(tree: RepoTree, path: str) -> bool:
    return tree.is_text(path) and any(m[1] == "up" for m in _MARKER.finditer(tree.read_text(path)))


@dataclass(frozen=True)
class _Block:
    up: SqlScript
    down: SqlScript | None
    transaction: bool


def _read_side(tree: RepoTree, root: str) -> Side:
    side = Side()
    by_version: dict[str, list[str]] = {}  # in file name order, dbmate's order
    for name in files_in(tree, root):
        if match := _FILE.fullmatch(name):
            by_version.setdefault(match[1], []).append(name)
    for version, names in by_version.items():
        if len(names) > 1:
            side.duplicate(version, [join(root, n) for n in names], _DUPLICATE, skip=False)
        name = names[0]
        path = join(root, name)
        text = side.read(tree, path, version)
        if text is None:
            continue
        blocks, problems = _parse(path, text)
        side.problems += problems
        if not blocks:
            side.unusable.add(version)
            continue
        downs = tuple(b.down for b in blocks if b.down is not None)
        in_transaction = {b.transaction for b in blocks}
        if len(in_transaction) > 1:
            # One Migration has one wrapping: running every block outside a transaction keeps CONCURRENTLY
            # and friends working where dbmate allows them.
            side.notes.append(f"{path}: some up blocks say transaction:false and others do not; all of them "
                              "are replayed without a transaction")
        side.add(
            Migration(
                id=version,
                name=name.removesuffix(".sql").removeprefix(version).lstrip("_-"),
                path=path,
                status=MigrationStatus.BASE,
                up=tuple(b.up for b in blocks),
                down=downs or None,
                wrapping=Wrapping.NONE if False in in_transaction else Wrapping.PER_MIGRATION,
                files=(path,),
            ),
            (version,),
        )
    return side


def _parse(path: str, text: str) -> tuple[list[_Block], list[PlanProblem]]:
    """The up/down blocks of one file. Each script starts on the line after its marker, so positions in it
    map back to the file."""
    lines = split_lines(text)
    markers = [(i, m[1]) for i, line in enumerate(lines) if (m := _MARKER.match(line))]
    ups = [i for i, kind in markers if kind == "up"]
    if not ups:
        return [], [PlanProblem(ProblemKind.INVALID, "no '-- migrate:up' line: dbmate refuses to run this "
                                "file", path)]
    problems: list[PlanProblem] = []
    stray = next((i for i in range(ups[0]) if lines[i].strip() and not lines[i].lstrip().startswith("--")),
                 None)
    if stray is not None:
        problems.append(PlanProblem(ProblemKind.INVALID, "SQL before '-- migrate:up': dbmate refuses a file "
                                    "with statements outside its blocks", path, stray + 1))
    blocks: list[_Block] = []
    for start, end in zip(ups, [*ups[1:], len(lines)], strict=True):
        downs = [i for i, kind in markers if kind == "down" and start < i < end]
        if not downs:
            problems.append(PlanProblem(ProblemKind.INVALID, "this up block has no '-- migrate:down' block: "
                                        "current dbmate versions refuse the file", path, start + 1))
        elif len(downs) > 1:
            problems.append(PlanProblem(ProblemKind.INVALID, "a second '-- migrate:down' in one block: "
                                        "dbmate refuses the file", path, downs[1] + 1))
        up_end = downs[0] if downs else end
        blocks.append(_Block(
            up=SqlScript(path, "".join(lines[start + 1:up_end]), start + 2),
            down=SqlScript(path, "".join(lines[downs[0] + 1:end]), downs[0] + 2) if downs else None,
            transaction=_options(lines[start]).get("transaction") != "false",
        ))
    return blocks, problems


def _options(marker_line: str) -> dict[str, str]:
    """`-- migrate:up transaction:false` → {"transaction": "false"}; malformed words are ignored, as dbmate
    ignores them."""
    options: dict[str, str] = {}
    for word in _MARKER.sub("", marker_line, count=1).split():
        key, colon, value = word.partition(":")
        if colon and ":" not in value:
            options[key] = value
    return options
