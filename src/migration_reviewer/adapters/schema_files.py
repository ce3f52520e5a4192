"""Where a migration set's framework keeps its declared schema: Prisma's `schema.prisma`, the `schema`
file(s) a `drizzle.config.*` names, Supabase's generated `database.types.ts`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from migration_reviewer.adapters._common import basename, files_in, is_inside, join, parent
from migration_reviewer.adapters.base import MigrationSet, SchemaFile
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

_DRIZZLE_CONFIGS = ("drizzle.config.ts", "drizzle.config.js", "drizzle.config.mjs", "drizzle.config.json")
_DRIZZLE_SCHEMA = re.compile(r"""["']?schema["']?\s*:\s*(\[[^\]]*\]|["'][^"']+["'])""")
_TYPE_FILES = frozenset({"database.types.ts", "supabase.ts", "database.ts", "db.types.ts"})


def _prisma(tree: RepoTree, root: str) -> list[str]:
    folder = parent(root)
    return [join(f, name) for f in (folder, join(folder, "schema"))
            for name in files_in(tree, f) if name.endswith(".prisma")]


def _drizzle(tree: RepoTree, root: str) -> list[str]:
    folder = root
    while True:
        folder = parent(folder)
        for name in _DRIZZLE_CONFIGS:
            config = join(folder, name)
            if tree.exists(config) and tree.is_text(config):
                match = _DRIZZLE_SCHEMA.search(tree.read_text(config))
                if match is None:
                    return []
                paths = re.findall(r"""["']([^"']+)["']""", match[1])
                return [p for p in (_normalise(folder, path) for path in paths) if p.endswith((".ts", ".js"))]
        if not folder:
            return []


def _normalise(folder: str, path: str) -> str:
    parts: list[str] = [p for p in folder.split("/") if p]
    for part in path.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _supabase(tree: RepoTree, root: str) -> list[str]:
    project = parent(parent(root))  # <project>/supabase/migrations
    return [
        path for path in tree.paths
        if basename(path) in _TYPE_FILES and is_inside(path, project) and "node_modules/" not in path
        and tree.is_text(path) and "Tables:" in tree.read_text(path) and "Row:" in tree.read_text(path)
    ]


_FINDERS: dict[str, tuple[str, Callable[[RepoTree, str], list[str]]]] = {
    "prisma": ("prisma", _prisma),
    "drizzle": ("drizzle", _drizzle),
    "supabase": ("supabase-types", _supabase),
}


def with_schema_files(migration_set: MigrationSet, changes: ChangeSet) -> MigrationSet:
    found = _FINDERS.get(migration_set.framework)
    if found is None:
        return migration_set
    kind, finder = found
    root = migration_set.root
    paths = sorted(set(finder(changes.base, root)) | set(finder(changes.head, root)))
    return replace(migration_set, schema_files=tuple(
        SchemaFile(kind, path, _text(changes.base, path), _text(changes.head, path)) for path in paths
    ))


def _text(tree: RepoTree, path: str) -> str | None:
    return tree.read_text(path) if tree.exists(path) and tree.is_text(path) else None
