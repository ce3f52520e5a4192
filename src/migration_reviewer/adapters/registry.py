"""The framework adapters, keyed by the name a user types, and the plan of a whole change."""

from __future__ import annotations

from migration_reviewer.adapters._common import is_inside
from migration_reviewer.adapters.alembic import AlembicAdapter
from migration_reviewer.adapters.base import FrameworkAdapter, MigrationPlan
from migration_reviewer.adapters.d1 import D1Adapter
from migration_reviewer.adapters.dbmate import DbmateAdapter
from migration_reviewer.adapters.drizzle import DrizzleAdapter
from migration_reviewer.adapters.golang_migrate import GolangMigrateAdapter
from migration_reviewer.adapters.plain_sql import PlainSqlAdapter
from migration_reviewer.adapters.platforms import with_platform
from migration_reviewer.adapters.prisma import PrismaAdapter
from migration_reviewer.adapters.schema_files import with_schema_files
from migration_reviewer.adapters.supabase import SupabaseAdapter
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree
from migration_reviewer.errors import ConfigError

# Most specific first: when two adapters claim one folder, the first one wins. The frameworks with a file
# of their own (a lock file, a journal) come before those recognised by file names alone.
ADAPTERS: dict[str, FrameworkAdapter] = {
    adapter.name: adapter
    for adapter in (
        AlembicAdapter(),  # alembic.ini names its folder
        PrismaAdapter(),
        D1Adapter(),  # before Drizzle: wrangler, not drizzle's migrator, runs a folder its config names
        DrizzleAdapter(),
        DbmateAdapter(),
        SupabaseAdapter(),
        GolangMigrateAdapter(),
        PlainSqlAdapter(),
    )
}

_FALLBACK = PlainSqlAdapter.name


def detect_sets(tree: RepoTree) -> list[tuple[str, str]]:
    """(framework, root) for every migration folder of `tree`, one framework per folder, ordered by root."""
    claimed: dict[str, str] = {}
    for name, adapter in ADAPTERS.items():
        for root in adapter.detect(tree):
            # Plain SQL is the fallback: nothing inside another framework's folder is a history of its own.
            if root in claimed or (name == _FALLBACK and any(is_inside(root, other) for other in claimed)):
                continue
            claimed[root] = name
    return sorted(((name, root) for root, name in claimed.items()), key=lambda pair: pair[1])


def load_plan(changes: ChangeSet, only: list[tuple[str, str]] | None = None) -> MigrationPlan:
    """Every migration set of the change, touched or not, ordered by root.

    Folders are detected on both sides, since a change may add or remove one; where the sides disagree on
    a folder's framework, the head's view wins. `only` loads exactly these (framework, root) pairs instead,
    for folders named in the configuration.
    """
    if only is None:
        by_root = {root: name for name, root in detect_sets(changes.base)}
        by_root.update({root: name for name, root in detect_sets(changes.head)})
        pairs = [(name, root) for root, name in by_root.items()]
    else:
        unknown = sorted({name for name, _ in only} - ADAPTERS.keys())
        if unknown:
            raise ConfigError(f"unknown migration framework: {', '.join(unknown)}",
                              hint=f"known: {', '.join(ADAPTERS)}")
        pairs = list(dict.fromkeys((name, _normalise(root)) for name, root in only))
    pairs.sort(key=lambda pair: (pair[1], pair[0]))
    return MigrationPlan(
        sets=tuple(
            with_platform(with_schema_files(ADAPTERS[name].load(root, changes), changes), changes)
            for name, root in pairs
        )
    )


def _normalise(root: str) -> str:
    """A configured folder as the adapters name roots: repository-relative, no slashes around, '' for the
    top."""
    root = root.strip("/").removeprefix("./")
    return "" if root == "." else root
