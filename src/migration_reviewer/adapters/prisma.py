"""Prisma Migrate: a folder holding `migration_lock.toml` and one `<timestamp>_<name>/migration.sql` folder
per migration.

`prisma migrate deploy` orders the migration folders by name and sends each `migration.sql` as one script.
The lock file's `provider` names the database. Prisma has no down migrations; a `down.sql` kept beside
`migration.sql` (as `prisma migrate diff` can write one) is used for the rollback check.
"""

from __future__ import annotations

import re
import tomllib

from migration_reviewer.adapters._common import (
    RunnerWords,
    Side,
    build_set,
    files_by_dir,
    join,
    unsupported_set,
)
from migration_reviewer.adapters.base import (
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    PlanProblem,
    ProblemKind,
    Wrapping,
)
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

_LOCK = "migration_lock.toml"
_PROVIDERS = {
    "postgresql": Dialect.POSTGRESQL,
    "postgres": Dialect.POSTGRESQL,
    "mysql": Dialect.MYSQL,
    "sqlite": Dialect.SQLITE,
}

_WORDS = RunnerWords(
    edited="Prisma keeps a checksum of every applied migration: `prisma migrate deploy` will not run it "
    "again, and `prisma migrate dev` reports it as modified after it was applied and asks to reset the "
    "database; put the change in a new migration",
    deleted="`prisma migrate status` and `prisma migrate dev` report it as applied but missing from the "
    "migrations folder (dev asks to reset the database); restore the folder",
    out_of_order="`prisma migrate deploy` applies it after newer migrations already applied, so those "
    "databases apply them in a different order than a fresh one; give its folder a newer timestamp",
)


class PrismaAdapter:
    name = "prisma"

    def detect(self, tree: RepoTree) -> list[str]:
        # Anywhere, not only prisma/migrations: monorepos keep one per package.
        return [folder for folder, names in files_by_dir(tree).items() if _LOCK in names]

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        lock_path = join(root, _LOCK)
        base_provider, _ = _provider(changes.base, lock_path)
        head_provider, lock_problems = _provider(changes.head, lock_path)
        provider = head_provider or base_provider or "postgresql"
        dialect = _PROVIDERS.get(provider)
        if dialect is None:
            return unsupported_set(root, self.name, lock_path, provider)
        head = _read_side(changes.head, root)
        head.problems += lock_problems
        if base_provider and head_provider and base_provider != head_provider:
            head.problem(ProblemKind.INVALID, f'provider changed from "{base_provider}" to '
                         f'"{head_provider}": the migrations already in the folder were written for the '
                         "other database", lock_path)
        return build_set(root=root, framework=self.name, dialect=dialect, base=_read_side(changes.base, root),
                         head=head, words=_WORDS)


def _provider(tree: RepoTree, lock_path: str) -> tuple[str | None, list[PlanProblem]]:
    """The lock file's provider (None when the file is absent or unusable, with the problem)."""
    if not tree.exists(lock_path):
        return None, []
    if not tree.is_text(lock_path):
        return None, [PlanProblem(ProblemKind.UNREADABLE, f"{_LOCK} is binary or not UTF-8 text", lock_path)]
    try:
        provider = tomllib.loads(tree.read_text(lock_path)).get("provider")
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's error has no line attribute; its message ends "(at line N, column M)".
        line = re.search(r"at line (\d+)", str(exc))
        return None, [PlanProblem(ProblemKind.INVALID, f"{_LOCK} is not valid TOML: {exc}", lock_path,
                                  int(line[1]) if line else None)]
    except RecursionError:
        return None, [PlanProblem(ProblemKind.INVALID, f"{_LOCK} nests deeper than a TOML reader follows",
                                  lock_path)]
    if not isinstance(provider, str):
        return None, [PlanProblem(ProblemKind.INVALID, f'{_LOCK} has no provider = "…" line', lock_path)]
    return provider, []


def _read_side(tree: RepoTree, root: str) -> Side:
    side = Side()
    folders: dict[str, list[str]] = {}  # migration folder name → every file below it
    for path in tree.files_under(root):
        folder, _, rest = path.removeprefix(join(root, "")).partition("/")
        if rest:
            folders.setdefault(folder, []).append(path)
    for folder in sorted(folders):
        folder_path = join(root, folder)
        up_path, down_path = join(folder_path, "migration.sql"), join(folder_path, "down.sql")
        if not tree.exists(up_path):
            side.problem(ProblemKind.MISSING_FILE, f"{folder} has no migration.sql: `prisma migrate deploy` "
                         "stops on this folder (P3015)", folder_path)
            side.unusable.add(folder)
            continue
        up = side.script(tree, up_path, folder)
        if up is None:
            continue
        side.add(
            Migration(
                id=folder,
                name=folder.partition("_")[2] or folder,
                path=up_path,
                status=MigrationStatus.BASE,
                up=up,
                down=side.script(tree, down_path, folder) if tree.exists(down_path) else None,
                wrapping=Wrapping.SCRIPT,
                files=tuple(folders[folder]),
            ),
            (folder,),
        )
    return side
