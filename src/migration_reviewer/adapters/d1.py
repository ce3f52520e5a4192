"""Cloudflare D1 through wrangler: a `wrangler.toml` (or `wrangler.json`/`.jsonc`) whose `d1_databases`
entries name a migrations folder (`migrations_dir`, default `migrations` beside the config) of `.sql` files.

`wrangler d1 migrations apply` lists the folder's `.sql` files in name order, applies every one whose
name its `d1_migrations` table does not hold yet (so also a late one that sorts before applied ones), and
sends each file with its bookkeeping row as one batch, which D1 runs as one transaction. D1 is SQLite
with foreign keys always enforced: `PRAGMA foreign_keys = OFF` does nothing there, and D1's documentation
points to `PRAGMA defer_foreign_keys = true` instead.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

from migration_reviewer.adapters._common import (
    RunnerWords,
    Side,
    basename,
    build_set,
    files_in,
    join,
    parent,
)
from migration_reviewer.adapters.base import Dialect, Migration, MigrationSet, MigrationStatus, Wrapping
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

_CONFIGS = ("wrangler.toml", "wrangler.json", "wrangler.jsonc")
_DEFAULT_DIR = "migrations"
# JSONC: comments outside strings (strings are matched first and kept).
_JSONC_NOISE = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])')

_WORDS = RunnerWords(
    edited="wrangler records applied migrations by file name and never runs one again, so the edit never "
    "runs there; put the change in a new migration",
    deleted="wrangler does not notice, but those databases keep its changes while fresh ones no longer get "
    "them; restore the file",
    out_of_order="wrangler applies it after the newer migrations already applied, so those databases apply "
    "the migrations in a different order than a fresh one; give it a number above the newest one",
)


class D1Adapter:
    name = "d1"

    def detect(self, tree: RepoTree) -> list[str]:
        folders = set(_migration_dirs(tree))
        return sorted(f for f in folders if any(n.endswith(".sql") for n in files_in(tree, f)))

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        return build_set(
            root=root,
            framework=self.name,
            dialect=Dialect.SQLITE,
            base=_read_side(changes.base, root),
            head=_read_side(changes.head, root),
            words=_WORDS,
        )


def _migration_dirs(tree: RepoTree) -> Iterator[str]:
    """The migrations folder of every D1 database of every wrangler config, environments included."""
    for path in sorted(tree.paths):
        if basename(path) not in _CONFIGS or not tree.is_text(path):
            continue
        config = _read_config(path, tree.read_text(path))
        if config is None:
            continue
        environments = config.get("env")
        scopes = [config, *(environments.values() if isinstance(environments, dict) else ())]
        for scope in scopes:
            databases = scope.get("d1_databases") if isinstance(scope, dict) else None
            for database in databases if isinstance(databases, list) else ():
                folder = database.get("migrations_dir", _DEFAULT_DIR) if isinstance(database, dict) else None
                if isinstance(folder, str):
                    yield _normalise(join(parent(path), folder))


def _read_config(path: str, text: str) -> dict[str, Any] | None:
    """The config's content; None when it does not parse (wrangler would refuse it too)."""
    try:
        if path.endswith(".toml"):
            return tomllib.loads(text)
        data = json.loads(_TRAILING_COMMA.sub(r"\1\2", _JSONC_NOISE.sub(r"\1", text)))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _read_side(tree: RepoTree, root: str) -> Side:
    side = Side()
    for name in sorted(n for n in files_in(tree, root) if n.endswith(".sql")):
        path = join(root, name)
        up = side.script(tree, path, name)
        if up is None:
            continue
        side.add(
            Migration(
                id=name,  # what wrangler records in d1_migrations
                name=re.sub(r"^\d+_?", "", name.removesuffix(".sql")) or name,
                path=path,
                status=MigrationStatus.BASE,
                up=up,
                wrapping=Wrapping.PER_MIGRATION,
                files=(path,),
            ),
            (name,),
        )
    return side
