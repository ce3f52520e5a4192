"""What the database holds before a set's first migration, decided in one place for every framework: the
platform the migrations are written for (Supabase's roles, schemas and functions) and a schema dump the
base history starts from (a squashed history, dbmate's `db/schema.sql`).

The framework gives the defaults (a Supabase folder runs on Supabase's platform; dbmate keeps a dump of
the schema next to its migrations); the configuration overrides them, per folder or for the only one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from migration_reviewer.adapters._common import join, natural_key, parent
from migration_reviewer.adapters.base import Baseline, MigrationSet, PlanProblem, ProblemKind
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

# The platform a framework's migrations always run on.
_FRAMEWORK_PLATFORMS = {"supabase": "supabase"}
# The schemas a platform brings: what is in them is the platform's, not the project's (the rules that
# compare a project's tables with its others leave them out).
_PLATFORM_SCHEMAS = {
    "supabase": frozenset(
        {"auth", "storage", "extensions", "graphql_public", "realtime", "supabase_migrations"}
    ),
}
NO_PLATFORM = "none"  # what a user writes to replay on a plain server anyway

# dbmate's dump ends with the versions it holds: INSERT INTO public.schema_migrations (version) VALUES …;
_DBMATE_VERSIONS = re.compile(
    r'INSERT\s+INTO\s+(?:"?public"?\.)?"?schema_migrations"?\s*\(\s*"?version"?\s*\)\s*VALUES\s*(.*?);',
    re.IGNORECASE | re.DOTALL,
)
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DBMATE_SCHEMA_SETTING = re.compile(r"^\s*(?:export\s+)?DBMATE_SCHEMA_FILE\s*=\s*(.+?)\s*$", re.MULTILINE)


def platform_schemas(platform: str | None) -> frozenset[str]:
    return _PLATFORM_SCHEMAS.get(platform or "", frozenset())


@dataclass(frozen=True)
class SetSetup:
    """What the configuration says of one set's database (None: the framework's default)."""

    platform: str | None = None
    baseline: str | None = None  # repository-relative path of the dump
    baseline_version: str | None = None
    extensions: tuple[str, ...] = ()  # what production has without a migration creating it


def with_platform(
    migration_set: MigrationSet, changes: ChangeSet, setup: SetSetup | None = None
) -> MigrationSet:
    """`migration_set` with its platform and baseline: the configuration's where it says, else the
    framework's. The dump is read from the base side: the base history is what starts from it (dbmate
    rewrites its dump with every new migration, so the head's would include the change itself)."""
    setup = setup or SetSetup()
    platform = setup.platform or _FRAMEWORK_PLATFORMS.get(migration_set.framework)
    platform = None if platform == NO_PLATFORM else platform
    problems: list[PlanProblem] = []
    baseline: Baseline | None = None
    if setup.baseline is not None:
        path = setup.baseline.strip("/").removeprefix("./")
        tree = changes.base if changes.base.exists(path) else changes.head
        if not tree.exists(path) or not tree.is_text(path):
            problems.append(PlanProblem(
                ProblemKind.INVALID, f"the baseline {path} named in the configuration is not a text file of "
                "the repository: the base history replays from an empty database", path))
        else:
            baseline = read_baseline(migration_set, tree, path, setup.baseline_version, fallback=False)
    elif migration_set.framework == "dbmate":
        kept_dump = dbmate_schema_file(changes.base, migration_set.root)
        if kept_dump is not None:
            baseline = read_baseline(
                migration_set, changes.base, kept_dump, setup.baseline_version, fallback=True
            )
    extensions = setup.extensions or migration_set.extensions
    unchanged = (platform, baseline, extensions) == (
        migration_set.platform, migration_set.baseline, migration_set.extensions
    )
    if unchanged and not problems:
        return migration_set
    return replace(migration_set, platform=platform, baseline=baseline, extensions=extensions,
                   problems=migration_set.problems + tuple(problems))


def read_baseline(
    migration_set: MigrationSet, tree: RepoTree, path: str, version: str | None, *, fallback: bool
) -> Baseline:
    """The dump at `path` and the base migrations it includes: those its dbmate INSERT lists, else those
    up to `version` in the runner's order."""
    text = tree.read_text(path)
    listed = dbmate_versions(text)
    if listed is not None and version is None:
        included = listed
    elif version is not None:
        limit = natural_key(version)
        included = frozenset(m.id for m in migration_set.base_migrations if natural_key(m.id) <= limit)
    else:
        included = frozenset()
    return Baseline(path, text, included, fallback)


def dbmate_versions(text: str) -> frozenset[str] | None:
    """The versions dbmate's dump says it includes; None where it has no such INSERT."""
    found = [match[1] for match in _DBMATE_VERSIONS.finditer(text)]
    if not found:
        return None
    return frozenset(value.replace("''", "'") for values in found for value in _QUOTED.findall(values))


def dbmate_schema_file(tree: RepoTree, root: str) -> str | None:
    """Where dbmate writes its dump for the migrations in `root`: DBMATE_SCHEMA_FILE from the project's
    `.env`, else `schema.sql` beside the migrations folder (dbmate's default `db/schema.sql` for
    `db/migrations`), where that file exists."""
    project = parent(parent(root))
    candidates = []
    env = join(project, ".env")
    readable = tree.exists(env) and tree.is_text(env)
    match = _DBMATE_SCHEMA_SETTING.search(tree.read_text(env)) if readable else None
    if match is not None:
        candidates.append(join(project, match[1].strip("'\"").removeprefix("./")))
    candidates.append(join(parent(root), "schema.sql"))
    return next((path for path in candidates if tree.exists(path) and tree.is_text(path)), None)
