"""What every adapter does alike: finding folders, reading migration files safely, ordering names the way
people number them, and comparing the two sides of a change."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import zip_longest

from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    PlanProblem,
    ProblemKind,
    SqlScript,
    Wrapping,
)
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

# What a runner compares versions by. Keys of one set always have the same type at each position (see
# `natural_key`), so comparing two of them never mixes a number with a text.
OrderKey = tuple[int | str, ...]

# Third-party code checked into the repository: its migrations are not the project's.
_THIRD_PARTY_DIRS = frozenset({"node_modules", "vendor", ".git"})


def parent(path: str) -> str:
    return path.rpartition("/")[0]


def basename(path: str) -> str:
    return path.rpartition("/")[2]


def join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


def is_inside(path: str, root: str) -> bool:
    return root == "" or path == root or path.startswith(root + "/")


def files_by_dir(tree: RepoTree) -> dict[str, tuple[str, ...]]:
    """Folder → names of the files directly inside it, sorted, leaving out third-party folders."""
    return {
        folder: names
        for folder, names in tree.folders.items()
        if _THIRD_PARTY_DIRS.isdisjoint(folder.split("/"))
    }


def files_in(tree: RepoTree, root: str) -> list[str]:
    """Names of the files directly inside `root`, sorted: runners read one folder, not its subfolders."""
    return [basename(p) for p in tree.files_under(root) if parent(p) == root]


def natural_key(name: str) -> OrderKey:
    """`2_x.sql` before `10_x.sql`: runs of digits compare as numbers. The parts alternate text, number,
    text…, so the same position always holds the same type."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", name)))


def split_lines(text: str) -> list[str]:
    """The lines of `text` with their endings. Unlike str.splitlines, only "\n" ends a line (not a form feed
    or U+2028 inside a string literal), matching the line numbers the rest of the pipeline counts."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def line_at(text: str, offset: int) -> int:
    """The 1-based line of `text` that holds character `offset`."""
    return text.count("\n", 0, offset) + 1


def dialect_from_path(root: str) -> Dialect:
    """For runners that take the database from a URL at run time: projects name the folder after it when
    they have more than one, and PostgreSQL is by far the most common otherwise."""
    lowered = root.lower()
    if "mysql" in lowered or "mariadb" in lowered:
        return Dialect.MYSQL
    if "sqlite" in lowered:
        return Dialect.SQLITE
    return Dialect.POSTGRESQL


@dataclass
class Side:
    """One revision's view of a migration set, filled by an adapter in the runner's order."""

    migrations: list[Migration] = field(default_factory=list)
    problems: list[PlanProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts about this side worth showing a reviewer
    keys: dict[str, OrderKey] = field(default_factory=dict)  # id → what the runner compares versions by
    # Ids whose files are there but could not become a migration (a problem says why): not "deleted".
    unusable: set[str] = field(default_factory=set)
    # Ids the runner applies again whenever their text changes, outside the version order (Flyway's
    # repeatable migrations): neither an edit nor a late arrival is a problem for them.
    repeatable: set[str] = field(default_factory=set)
    # Ids that more than one file claims: which text the runner sees depends on the database, so an
    # "edit" of them is not reported (the duplicate problem says more).
    duplicated: set[str] = field(default_factory=set)

    def add(self, migration: Migration, key: OrderKey, *, repeatable: bool = False) -> None:
        self.migrations.append(migration)
        self.keys[migration.id] = key
        if repeatable:
            self.repeatable.add(migration.id)

    def problem(self, kind: ProblemKind, message: str, path: str, line: int | None = None) -> None:
        self.problems.append(PlanProblem(kind, message, path, line))

    def duplicate(self, migration_id: str, paths: Sequence[str], consequence: str, *, skip: bool) -> None:
        """Reports each of `paths` (one of them is usually the change's) as sharing `migration_id`. With
        `skip`, the runner refuses them all, so none is loaded."""
        names = [basename(p) for p in paths]
        for path in paths:
            self.problem(ProblemKind.DUPLICATE_VERSION,
                         f"{' and '.join(names)} share version {migration_id}: {consequence}", path)
        self.duplicated.add(migration_id)
        if skip:
            self.unusable.add(migration_id)

    def add_files(
        self,
        tree: RepoTree,
        *,
        migration_id: str,
        name: str,
        up_path: str,
        down_path: str | None,
        wrapping: Wrapping,
        key: OrderKey,
        repeatable: bool = False,
    ) -> None:
        """Adds a migration whose up file (and down file, where it has one) the runner sends as they are;
        an unreadable up file leaves it out (`read` says why)."""
        up = self.script(tree, up_path, migration_id)
        if up is None:
            return
        migration = Migration(
            id=migration_id,
            name=name,
            path=up_path,
            status=MigrationStatus.BASE,
            up=up,
            down=self.script(tree, down_path, migration_id) if down_path else None,
            wrapping=wrapping,
            files=(up_path, down_path) if down_path else (up_path,),
        )
        self.add(migration, key, repeatable=repeatable)

    def script(self, tree: RepoTree, path: str, migration_id: str) -> tuple[SqlScript, ...] | None:
        """The whole file as one script, or None when it is unreadable (see `read`)."""
        text = self.read(tree, path, migration_id)
        return None if text is None else (SqlScript(path, text),)

    def read(self, tree: RepoTree, path: str, migration_id: str) -> str | None:
        """The file's text, or None (with an UNREADABLE problem) for a binary or non-UTF-8 file."""
        if tree.is_text(path):
            return tree.read_text(path)
        self.problem(ProblemKind.UNREADABLE, f"{basename(path)} is binary or not UTF-8 text: it is left out "
                     "of the review", path)
        self.unusable.add(migration_id)
        return None


@dataclass(frozen=True)
class RunnerWords:
    """How one runner treats the history problems, in its own terms (each completes a sentence)."""

    edited: str
    deleted: str
    out_of_order: str


def folders_where(tree: RepoTree, holds_migrations: Callable[[str, tuple[str, ...]], bool]) -> list[str]:
    """The folders of `tree` (outside third-party ones) whose files, by folder and names, a framework
    claims."""
    return [folder for folder, names in files_by_dir(tree).items() if holds_migrations(folder, names)]


def load_sides(
    changes: ChangeSet,
    read_side: Callable[[RepoTree], Side],
    *,
    root: str,
    framework: str,
    dialect: Dialect,
    words: RunnerWords,
    notes: Sequence[str] = (),
) -> MigrationSet:
    """Both sides of one folder read the same way (`read_side`), then compared (`build_set`)."""
    return build_set(root=root, framework=framework, dialect=dialect, base=read_side(changes.base),
                     head=read_side(changes.head), words=words, notes=notes)


def build_set(
    *,
    root: str,
    framework: str,
    dialect: Dialect,
    base: Side,
    head: Side,
    words: RunnerWords,
    notes: Sequence[str] = (),
) -> MigrationSet:
    """Marks the head side's statuses against the base side and adds the history problems.

    A migration is matched across sides by id, the way the runner records it, so a renamed file with the
    same version is the same migration. Problems and notes are the head side's own plus the comparison's:
    the base side's are history the change did not write.
    """
    base_by_id: dict[str, Migration] = {}
    for migration in base.migrations:
        base_by_id.setdefault(migration.id, migration)
    newest = max((i for i in base.keys if i not in base.repeatable), key=base.keys.__getitem__, default=None)
    problems = list(head.problems)
    marked: list[Migration] = []
    for migration in head.migrations:
        before = base_by_id.get(migration.id)
        if before is None:
            status = MigrationStatus.ADDED
            if (newest is not None and migration.id not in head.repeatable
                    and head.keys[migration.id] <= base.keys[newest]):
                problems.append(PlanProblem(
                    ProblemKind.OUT_OF_ORDER,
                    f"new migration {migration.id} sorts before {newest}, which is already on the base "
                    f"branch: {words.out_of_order}",
                    migration.path,
                ))
        elif _texts(before.up) == _texts(migration.up) and _texts(before.down) == _texts(migration.down):
            status = MigrationStatus.BASE
        else:
            status = MigrationStatus.MODIFIED
            line = first_changed_line(before.up, migration.up)
            if line is not None and migration.id not in head.repeatable | head.duplicated:
                problems.append(PlanProblem(
                    ProblemKind.EDITED_APPLIED,
                    f"migration {migration.id} was edited, but it is already applied wherever the base "
                    f"branch was deployed: {words.edited}",
                    migration.path,
                    line,
                ))
        # Sides read every migration as BASE: most stay so, and a copy of each costs (1,000 of them).
        marked.append(migration if migration.status is status else replace(migration, status=status))
    head_ids = {m.id for m in head.migrations} | head.unusable
    problems += [
        PlanProblem(
            ProblemKind.DELETED_APPLIED,
            f"migration {migration.id} was deleted, but it is already applied wherever the base branch was "
            f"deployed: {words.deleted}",
            migration.path,
        )
        for migration in base_by_id.values()
        if migration.id not in head_ids
    ]
    return MigrationSet(
        root=root,
        framework=framework,
        dialect=dialect,
        base_migrations=tuple(base.migrations),
        head_migrations=tuple(marked),
        problems=tuple(problems),
        notes=(*notes, *head.notes),
    )


def unsupported_set(root: str, framework: str, path: str, database: str) -> MigrationSet:
    """A set whose database we cannot replay: shown with the reason, never loaded."""
    return MigrationSet(
        root=root,
        framework=framework,
        dialect=Dialect.POSTGRESQL,  # a placeholder: the set has no migrations to replay
        base_migrations=(),
        head_migrations=(),
        problems=(PlanProblem(ProblemKind.INVALID, f"database {database!r} is not supported: this migration "
                              "folder is not reviewed", path),),
        notes=(f"{framework} database {database!r} is not supported; the migrations were not read",),
    )


def first_changed_line(old: Sequence[SqlScript], new: Sequence[SqlScript]) -> int | None:
    """The file line where the new up text first differs from the old one; None when it is the same."""
    for before, after in zip(old, new, strict=False):
        if before.text != after.text:
            # Split on "\n" alone, as line numbers are counted everywhere; a "\r" stays in its line, so an
            # ending-only change is found too.
            pairs = zip_longest(before.text.split("\n"), after.text.split("\n"))
            return after.first_line + next(i for i, (a, b) in enumerate(pairs) if a != b)
    if len(new) > len(old):
        return new[len(old)].first_line
    if len(new) < len(old):
        # Text was removed after the last script that is left.
        return new[-1].first_line + new[-1].text.count("\n") if new else 1
    return None


def _texts(scripts: Sequence[SqlScript] | None) -> tuple[str, ...] | None:
    return None if scripts is None else tuple(s.text for s in scripts)
