"""Supabase CLI: `supabase/migrations/<timestamp>_<name>.sql`, PostgreSQL only, no down migrations.

The CLI reads the folder in file name order (14-digit timestamps make that chronological), skips files that
do not match `<digits>_<name>.sql`, and sends each file's statements as one batch: an implicit transaction
per migration. It records the version in `supabase_migrations.schema_migrations`.
"""

from __future__ import annotations

import re

from migration_reviewer.adapters._common import (
    RunnerWords,
    Side,
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

_FILE = re.compile(r"(\d+)_(.*)\.sql")

_DUPLICATE = "the CLI records versions, so all but the first fail to record (or count as applied already)"
_WORDS = RunnerWords(
    edited="the Supabase CLI records versions and never runs an applied file again; put the change in a new "
    "migration",
    deleted="`supabase db push` stops because the remote history has a version the local folder lacks; "
    "restore the file",
    out_of_order="`supabase db push` refuses migrations that sort before the last one applied unless run "
    "with --include-all; give it a newer timestamp",
)


class SupabaseAdapter:
    name = "supabase"

    def detect(self, tree: RepoTree) -> list[str]:
        return folders_where(
            tree,
            lambda folder, names: (folder == "supabase/migrations" or folder.endswith("/supabase/migrations"))
            and any(n.endswith(".sql") for n in names),
        )

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        return load_sides(changes, lambda tree: _read_side(tree, root), root=root, framework=self.name,
                          dialect=Dialect.POSTGRESQL, words=_WORDS)


def _read_side(tree: RepoTree, root: str) -> Side:
    side = Side()
    by_version: dict[str, list[re.Match[str]]] = {}  # in file name order, the CLI's order
    for name in files_in(tree, root):
        if not name.endswith(".sql"):
            continue
        if match := _FILE.fullmatch(name):
            by_version.setdefault(match[1], []).append(match)
        else:
            side.problem(ProblemKind.INVALID, f"{name} does not match <timestamp>_<name>.sql: the Supabase "
                         "CLI skips it", join(root, name))
    for version, matches in by_version.items():
        if len(matches) > 1:
            side.duplicate(version, [join(root, m[0]) for m in matches], _DUPLICATE, skip=False)
        match = matches[0]
        side.add_files(tree, migration_id=version, name=match[2], up_path=join(root, match[0]),
                       down_path=None, wrapping=Wrapping.PER_MIGRATION, key=(match[0],))
    return side
