"""What a rule sees: one migration set, what its replay observed (if it was replayed), which files the
change touched, and what the user told the rules (target version, production table sizes, rule config).

Everything derived (parsed statements, tables the change creates, the target version) is computed once
per set and shared by every rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from migration_reviewer.adapters.base import MigrationSet
from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.analyzers.sql import SqlStatement, Transaction, qualified, relation, statements_of
from migration_reviewer.analyzers.suppressions import Suppressions
from migration_reviewer.replay.result import SetReplay, StatementRun
from migration_reviewer.replay.statements import Statement, split_scripts
from migration_reviewer.schema.model import PUBLIC, SchemaSnapshot, Table

# The target version `lint` assumes when none is given: the major version of the bundled replay server.
LINT_PG_VERSION = 18


@dataclass(frozen=True)
class TableStats:
    """A production table's size, from config (`table-rows`) or read with `--stats-from`."""

    rows: int
    size_bytes: int | None = None


@dataclass(frozen=True)
class RuleChoice:
    """What the configuration says about one rule."""

    enabled: bool = True
    severity: Severity | None = None  # None: the rule's default
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class RuleOptions:
    """Everything the user told the rules."""

    pg_version: int | None = None  # None: the replay server's major version (lint: LINT_PG_VERSION)
    production: Mapping[str, TableStats] = field(default_factory=lambda: MappingProxyType({}))
    rules: Mapping[str, RuleChoice] = field(default_factory=lambda: MappingProxyType({}))  # by code


@dataclass(frozen=True)
class AnalysisContext:
    migration_set: MigrationSet
    replay: SetReplay | None = None  # None: the files were linted, not replayed
    changed_paths: frozenset[str] = frozenset()
    options: RuleOptions = field(default_factory=RuleOptions)

    @property
    def replayed(self) -> bool:
        return self.replay is not None and self.replay.error is None

    @cached_property
    def pg_version(self) -> int:
        """The major version the rules judge for: --pg-version, else the replay server's."""
        if self.options.pg_version is not None:
            return self.options.pg_version
        if self.replay is not None:
            match = re.match(r"\d+", self.replay.server_version)
            if match:
                return int(match.group())
        return LINT_PG_VERSION

    @cached_property
    def statements(self) -> tuple[SqlStatement, ...]:
        """The change's statements (its new migrations' up scripts), parsed, in the runner's order."""
        migrations = self.migration_set.new_migrations
        dialect = self.migration_set.dialect
        split: dict[str, list[Statement]] = {m.id: split_scripts(m.up, dialect) for m in migrations}
        runs: dict[str, list[StatementRun]] = {}
        seeded: dict[str, list[StatementRun]] = {}
        if self.replay is not None:
            runs = {run.migration.id: run.statements for run in self.replay.runs}
            if self.replay.seeded is not None:
                seeded = {run.migration.id: run.statements for run in self.replay.seeded.runs}
        return tuple(statements_of(migrations, split, runs, seeded))

    @cached_property
    def statements_by_kind(self) -> Mapping[str, tuple[SqlStatement, ...]]:
        """The statements of each parse-tree type ("AlterTableStmt", "IndexStmt"…), in order: a rule that
        reads one kind of statement asks for those alone, and costs nothing on a file without them."""
        grouped: dict[str, list[SqlStatement]] = {}
        for stmt in self.statements:
            grouped.setdefault(stmt.kind, []).append(stmt)
        return MappingProxyType({kind: tuple(stmts) for kind, stmts in grouped.items()})

    def of_kind(self, *kinds: str) -> tuple[SqlStatement, ...]:
        """The statements of the given types, in the runner's order (empty for none)."""
        if len(kinds) == 1:
            return self.statements_by_kind.get(kinds[0], ())
        wanted = set(kinds)
        return tuple(stmt for stmt in self.statements if stmt.kind in wanted)

    @cached_property
    def alter_table_statements_by_command(self) -> Mapping[str, tuple[int, ...]]:
        """Subcommand type ("AT_AddColumn"…) → positions in `statements` of the ALTER TABLEs holding one."""
        positions: dict[str, list[int]] = {}
        for position, stmt in enumerate(self.statements):
            for subtype in {command.get("subtype", "") for command in stmt.alter_commands}:
                positions.setdefault(subtype, []).append(position)
        return MappingProxyType({subtype: tuple(found) for subtype, found in positions.items()})

    def alter_table_statements_with(self, *subtypes: str) -> list[SqlStatement]:
        """The ALTER TABLE statements holding a subcommand of one of these types, in order: a rule about
        ADD COLUMN reads the ALTER TABLEs that add one, not every ALTER TABLE of a long file."""
        index = self.alter_table_statements_by_command
        positions = sorted({position for subtype in subtypes for position in index.get(subtype, ())})
        return [self.statements[position] for position in positions]

    @cached_property
    def derived(self) -> dict[Any, Any]:
        """Facts several rules derive from one statement (the locks it takes…), kept for the next rule
        that asks; keyed by (what, id of the statement): statements hold dicts, so they do not hash."""
        return {}

    @cached_property
    def statements_by_transaction(self) -> dict[Transaction, list[SqlStatement]]:
        """The statements of each transaction, in order (those that run on their own are left out)."""
        grouped: dict[Transaction, list[SqlStatement]] = {}
        for stmt in self.statements:
            if stmt.transaction is not None:
                grouped.setdefault(stmt.transaction, []).append(stmt)
        return grouped

    @cached_property
    def statements_by_relation(self) -> dict[str, list[SqlStatement]]:
        """The statements that name a relation (CREATE/ALTER TABLE, CREATE INDEX…), by that relation: rules
        that look statements up per table stay linear in the size of the change."""
        grouped: dict[str, list[SqlStatement]] = {}
        for stmt in self.statements:
            target = stmt.body.get("relation")
            if isinstance(target, dict):
                grouped.setdefault(relation(target), []).append(stmt)
        return grouped

    @cached_property
    def suppressions(self) -> Suppressions:
        """The ignore directives of the change's files; the registry records which ones are used."""
        return Suppressions.read(self.statements)

    @cached_property
    def created_tables(self) -> frozenset[str]:
        """Tables the change itself creates (or renames into place): empty when the change reaches them,
        so building indexes and constraints on them blocks nobody."""
        created: set[str] = set()
        for stmt in self.statements:
            body = stmt.body
            if stmt.kind == "CreateStmt":
                created.add(relation(body["relation"]))
            elif stmt.kind == "CreateTableAsStmt":
                created.add(relation(body["into"]["rel"]))
            elif stmt.kind == "SelectStmt" and body.get("intoClause"):
                created.add(relation(body["intoClause"]["rel"]))
            elif stmt.kind == "RenameStmt" and body.get("renameType") == "OBJECT_TABLE":
                old = relation(body["relation"])
                if old in created:
                    schema = body["relation"].get("schemaname") or PUBLIC
                    created.add(qualified([schema, body["newname"]]))
        # And the tables the replay saw appear that no statement names: made by a function, a DO block, an
        # extension's stand-in.
        if self.replay is not None:
            created |= {c.table for c in self.replay.changes if c.kind == "table_added" and c.table}
        return frozenset(created)

    def is_new(self, table: str) -> bool:
        return self.canonical(table) in self.created_tables

    @cached_property
    def renamed_tables(self) -> Mapping[str, str]:
        """New name → the name the table had before the change, for tables the change renames."""
        original: dict[str, str] = {}
        for stmt in self.statements:
            if stmt.kind == "RenameStmt" and stmt.body.get("renameType") == "OBJECT_TABLE":
                old = relation(stmt.body["relation"])
                schema = stmt.body["relation"].get("schemaname") or PUBLIC
                original[qualified([schema, stmt.body["newname"]])] = original.get(old, old)
        return MappingProxyType(original)

    def canonical(self, table: str) -> str:
        """The name a table had before the change: one table under one name across its renames."""
        return self.renamed_tables.get(table, table)

    @cached_property
    def index_tables(self) -> Mapping[str, str]:
        """Index name → its table: the indexes the change creates, then those the base schema has."""
        owners: dict[str, str] = {}
        if self.before is not None:
            for table in self.before.tables:
                for index in table.indexes:
                    owners[qualified([table.schema, index.name])] = qualified([table.schema, table.name])
        for stmt in self.statements:
            if stmt.kind == "IndexStmt" and stmt.body.get("idxname"):
                rangevar = stmt.body["relation"]
                schema = rangevar.get("schemaname") or PUBLIC
                owners[qualified([schema, stmt.body["idxname"]])] = relation(rangevar)
        return MappingProxyType(owners)

    def table_of(self, name: str) -> str:
        """The table an index belongs to, or `name` itself when it is not a known index."""
        return self.index_tables.get(name, name)

    @property
    def before(self) -> SchemaSnapshot | None:
        return self.replay.before if self.replay is not None else None

    def existing_table(self, name: str) -> Table | None:
        """The table as the base schema had it (replay only)."""
        if self.before is None:
            return None
        schema, _, bare = self.canonical(name).rpartition(".")
        return self.before.table(schema or PUBLIC, bare)

    def production(self, table: str) -> TableStats | None:
        return self.options.production.get(self.canonical(table))

    def seeded_rows(self, table: str) -> int | None:
        """Rows the seeded replay put in `table` before running the change; None without seeding, or where
        that table got none (a finding then never reads "at 0 rows" of a table that holds rows)."""
        if self.replay is None or self.replay.seeded is None:
            return None
        return self.replay.seeded.rows.rows_of(self.canonical(table))
