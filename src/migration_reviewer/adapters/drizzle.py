"""Drizzle Kit: `<tag>.sql` files listed in `meta/_journal.json`.

drizzle-orm's migrator runs the journal's entries in the journal's order (not by file name), splits each
file on `--> statement-breakpoint`, and runs every pending migration inside one transaction. It applies an
entry only when the entry's `when` is later than the newest `when` already recorded in the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from migration_reviewer.adapters._common import (
    RunnerWords,
    Side,
    basename,
    build_set,
    files_by_dir,
    files_in,
    join,
    line_at,
    parent,
    unsupported_set,
)
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

_JOURNAL = "meta/_journal.json"
_BREAKPOINT = "--> statement-breakpoint"
_DIALECTS = {
    "postgresql": Dialect.POSTGRESQL,
    "pg": Dialect.POSTGRESQL,  # older drizzle-kit journals
    "sqlite": Dialect.SQLITE,
    "turso": Dialect.SQLITE,
    "mysql": Dialect.MYSQL,
    "singlestore": Dialect.MYSQL,
}

_WORDS = RunnerWords(
    edited="drizzle's migrator never runs an applied migration again (it does not compare the stored hash), "
    "so the edit never runs there; put the change in a new migration",
    deleted="drizzle's migrator does not notice, but those databases keep its changes while fresh ones no "
    "longer get them; restore the file and its journal entry",
    out_of_order="drizzle's migrator only runs entries whose journal `when` is later than the newest one "
    "applied, so databases where the base branch was deployed skip it silently; generate it again on top of "
    "the base branch",
)


@dataclass(frozen=True)
class _Entry:
    tag: str
    when: int
    line: int | None  # of the entry's "tag" in the journal


@dataclass
class _Journal:
    path: str
    dialect: str | None = None
    entries: list[_Entry] | None = None  # None: the journal cannot be used
    problems: list[PlanProblem] = field(default_factory=list)


class DrizzleAdapter:
    name = "drizzle"

    def detect(self, tree: RepoTree) -> list[str]:
        return [
            parent(folder)
            for folder, names in files_by_dir(tree).items()
            if basename(folder) == "meta" and "_journal.json" in names
        ]

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        journal_path = join(root, _JOURNAL)
        base_journal = _read_journal(changes.base, journal_path)
        head_journal = _read_journal(changes.head, journal_path)
        dialect_name = head_journal.dialect or base_journal.dialect
        dialect = _DIALECTS.get(dialect_name or "postgresql")
        if dialect is None:
            return unsupported_set(root, self.name, journal_path, dialect_name or "")
        head = _read_side(changes.head, root, head_journal)
        if base_journal.dialect and head_journal.dialect and base_journal.dialect != head_journal.dialect:
            head.problem(ProblemKind.INVALID, f"the journal's dialect changed from {base_journal.dialect} to "
                         f"{head_journal.dialect}: the migrations already listed were written for the other "
                         "database", journal_path)
        notes = [] if dialect_name else [f"{_JOURNAL} names no dialect: assumed {dialect}"]
        base = _read_side(changes.base, root, base_journal)
        return build_set(root=root, framework=self.name, dialect=dialect, base=base, head=head, words=_WORDS,
                         notes=notes)


def _read_journal(tree: RepoTree, path: str) -> _Journal:
    journal = _Journal(path)
    if not tree.exists(path):
        return journal
    if not tree.is_text(path):
        journal.problems.append(PlanProblem(ProblemKind.UNREADABLE, "the journal is binary or not UTF-8 text",
                                            path))
        return journal
    text = tree.read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"the journal is not valid JSON ({exc.msg}): drizzle's migrator cannot read it"
        journal.problems.append(PlanProblem(ProblemKind.INVALID, message, path, exc.lineno))
        return journal
    except RecursionError:
        message = "the journal nests deeper than a JSON reader follows: drizzle's migrator cannot read it"
        journal.problems.append(PlanProblem(ProblemKind.INVALID, message, path))
        return journal
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        journal.problems.append(PlanProblem(ProblemKind.INVALID, 'the journal has no "entries" list', path))
        return journal
    dialect = data.get("dialect")
    journal.dialect = dialect if isinstance(dialect, str) else None
    journal.entries = []
    search_from = 0
    for raw in data["entries"]:
        tag, when = (raw.get("tag"), raw.get("when")) if isinstance(raw, dict) else (None, None)
        if not isinstance(tag, str) or not isinstance(when, int) or isinstance(when, bool):
            journal.problems.append(PlanProblem(ProblemKind.INVALID, 'a journal entry without a text "tag" '
                                                f'and a numeric "when": {json.dumps(raw)[:80]}', path))
            continue
        found = re.compile(r'"tag"\s*:\s*' + re.escape(json.dumps(tag))).search(text, search_from)
        line = line_at(text, found.start()) if found else None
        search_from = found.end() if found else search_from
        journal.entries.append(_Entry(tag, when, line))
    return journal


def _read_side(tree: RepoTree, root: str, journal: _Journal) -> Side:
    side = Side(problems=list(journal.problems))
    sql_names = [n for n in files_in(tree, root) if n.endswith(".sql")]
    if journal.entries is None:
        if sql_names and not journal.problems:
            side.problem(ProblemKind.MISSING_FILE, f"no {_JOURNAL}: drizzle's migrator cannot run this "
                         "folder", journal.path)
        # Without a usable journal nothing here runs, but nothing was deleted either.
        side.unusable.update(n.removesuffix(".sql") for n in sql_names)
        return side
    for entry in journal.entries:
        path = join(root, f"{entry.tag}.sql")
        if entry.tag in side.keys or entry.tag in side.unusable:
            side.problem(ProblemKind.DUPLICATE_VERSION, f"{entry.tag} is listed twice in the journal: "
                         "drizzle's migrator runs it twice", journal.path, entry.line)
            continue
        if not tree.exists(path):
            side.problem(ProblemKind.MISSING_FILE, f"the journal lists {entry.tag} but {entry.tag}.sql is "
                         "missing: drizzle's migrator stops with \"No file … found\"", journal.path,
                         entry.line)
            side.unusable.add(entry.tag)
            continue
        text = side.read(tree, path, entry.tag)
        if text is None:
            continue
        snapshot = join(root, f"meta/{entry.tag.partition('_')[0]}_snapshot.json")
        side.add(
            Migration(
                id=entry.tag,
                name=entry.tag.partition("_")[2] or entry.tag,
                path=path,
                status=MigrationStatus.BASE,
                up=_chunks(path, text),
                wrapping=Wrapping.BATCH,
                files=(path, snapshot) if tree.exists(snapshot) else (path,),
            ),
            (entry.when,),
        )
    listed = {e.tag for e in journal.entries}
    for name in sql_names:
        if name.removesuffix(".sql") not in listed:
            side.problem(ProblemKind.NOT_IN_JOURNAL, f"{name} is not listed in {_JOURNAL}: drizzle's "
                         "migrator never runs it", join(root, name))
    return side


def _chunks(path: str, text: str) -> tuple[SqlScript, ...]:
    """One script per statement chunk, as the migrator splits the file (on the marker text, wherever it is),
    each with the file line it starts on. Blank chunks are left out: they run nothing."""
    scripts: list[SqlScript] = []
    line = 1
    for i, part in enumerate(text.split(_BREAKPOINT)):
        body, first_line = part, line
        if i and part.lstrip(" \t").startswith(("\n", "\r\n")):
            # The rest of the marker's line is empty: start the chunk on the next line.
            body, first_line = part.split("\n", 1)[1], line + 1
        if body.strip():
            scripts.append(SqlScript(path, body, first_line))
        line += part.count("\n")
    return tuple(scripts)
