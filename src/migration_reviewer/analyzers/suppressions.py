"""Ignore directives written in migration files, ours and other linters'.

Ours, in the comments directly above a statement, or anywhere in a file for the whole file:

    -- migration-reviewer: ignore LK001 -- the table holds 40 rows
    -- migration-reviewer: ignore-file LK013, drop-column -- reason

In a Python migration (Alembic), the same words in `#` comments directly above the `op.` call:

    # migration-reviewer: ignore LK001 -- the table holds 40 rows

Rules are named by code or name; the reason after ` -- ` is for the reader. A directive that silences
nothing is reported (SP001), so stale ones do not pile up.

Other linters' directives (`-- squawk-ignore`, `-- squawk-ignore-file`, `-- atlas:nolint`,
`-- eugene: ignore`) were written for those tools and their rule names. They are recognised and mapped to
our rules, and a finding they cover is kept as a note that says which directive covers it: the reviewer
sees the decision without it being taken for ours.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from migration_reviewer.analyzers.finding import Finding, Severity
from migration_reviewer.analyzers.sql import SqlStatement

_OURS = re.compile(r"migration-reviewer:\s*(ignore-file|ignore)\b\s*(.*)", re.I)
_SQUAWK = re.compile(r"squawk-(ignore-file|ignore)\b\s*(.*)", re.I)
_ATLAS = re.compile(r"atlas:nolint\b\s*(.*)", re.I)
_EUGENE = re.compile(r"eugene:\s*ignore\b\s*(.*)", re.I)
_SEPARATORS = re.compile(r"[\s,]+")

# What other linters' rule names mean in our codes (from their rule lists). A directive naming none
# covers every rule.
PEER_RULES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "Squawk": {
        "require-concurrent-index-creation": frozenset({"LK001"}),
        "require-concurrent-index-deletion": frozenset({"LK002"}),
        "require-concurrent-reindex": frozenset({"LK003"}),
        "ban-concurrent-index-creation-in-transaction": frozenset({"LK004"}),
        "adding-field-with-default": frozenset({"LK005"}),
        "changing-column-type": frozenset({"LK006"}),
        "adding-not-nullable-field": frozenset({"LK007"}),
        "adding-foreign-key-constraint": frozenset({"LK008"}),
        "constraint-missing-not-valid": frozenset({"LK008", "LK009"}),
        "disallowed-unique-constraint": frozenset({"LK010"}),
        "adding-serial-primary-key-field": frozenset({"LK005", "LK010"}),
        "renaming-column": frozenset({"LK013"}),
        "renaming-table": frozenset({"LK014"}),
        "ban-drop-column": frozenset({"LK015"}),
        "ban-drop-table": frozenset({"LK016"}),
        "prefer-repack": frozenset({"LK017"}),
        "ban-truncate-cascade": frozenset({"LK018"}),
        "require-timeout-settings": frozenset({"LK022", "LK023"}),
        "require-lock-timeout": frozenset({"LK022"}),
        "require-statement-timeout": frozenset({"LK023"}),
        "require-concurrent-partition-detach": frozenset({"LK024"}),
        "adding-required-field": frozenset({"BF001"}),
    },
    "Atlas": {
        "PG101": frozenset({"LK001"}),
        "PG102": frozenset({"LK002"}),
        "PG103": frozenset({"LK004"}),
        "PG104": frozenset({"LK010"}),
        "PG105": frozenset({"LK010"}),
        "PG301": frozenset({"LK006"}),
        "PG302": frozenset({"LK005"}),
        "PG303": frozenset({"LK007"}),
        "PG305": frozenset({"LK008"}),
        "PG306": frozenset({"LK008"}),
        "BC101": frozenset({"LK014"}),
        "BC102": frozenset({"LK013"}),
        "DS102": frozenset({"LK016"}),
        "DS103": frozenset({"LK015"}),
        "MF103": frozenset({"BF001"}),
        "MF104": frozenset({"LK007"}),
        "concurrent_index": frozenset({"LK001", "LK002", "LK004"}),
        "destructive": frozenset({"LK015", "LK016"}),
        "incompatible": frozenset({"LK013", "LK014"}),
        "data_depend": frozenset({"BF001", "LK007"}),
    },
    "Eugene": {
        "E1": frozenset({"LK008"}),
        "E2": frozenset({"LK007"}),
        "E4": frozenset({"LK020", "LK021"}),
        "E5": frozenset({"LK006"}),
        "E6": frozenset({"LK001"}),
        "E7": frozenset({"LK010"}),
        "E8": frozenset({"LK011"}),
        "E9": frozenset({"LK022"}),
        "E10": frozenset({"LK025"}),
        "E11": frozenset({"LK005"}),
    },
}


@dataclass(frozen=True)
class Directive:
    path: str
    line: int  # where the comment is (approximately, for the report)
    rules: tuple[str, ...]  # as written: codes or names; empty for a peer directive that names none
    whole_file: bool
    tool: str | None = None  # None: ours; else the linter it was written for
    reason: str = ""
    text: str = ""  # the directive as written, for messages

    def covers(self, code: str, name: str) -> bool:
        if self.tool is None:
            return any(r.upper() == code or r == name for r in self.rules)
        if not self.rules:
            return True
        mapping = PEER_RULES[self.tool]
        return any(code in mapping.get(r, mapping.get(r.upper(), frozenset())) for r in self.rules)


@dataclass
class Suppressions:
    """The directives of the change's files, and which of them silenced something."""

    directives: list[Directive] = field(default_factory=list)
    # By path: each statement's first and last line, and the indexes of the directives above it.
    spans: dict[str, list[tuple[int, int, list[int]]]] = field(default_factory=dict)
    whole_file: dict[str, list[int]] = field(default_factory=dict)  # by path: ignore-file directives
    used: set[tuple[int, str]] = field(default_factory=set)  # (directive index, rule as written)

    @classmethod
    def read(cls, statements: Iterable[SqlStatement]) -> Suppressions:
        found = cls()
        for stmt in statements:
            statement = stmt.statement
            attached = []
            lines = leading_comments(stmt).splitlines()
            for offset, text in enumerate(lines):
                directive = _directive(statement.path, statement.line - (len(lines) - offset), text)
                if directive is None:
                    continue
                index = len(found.directives)
                if directive.whole_file:
                    found.whole_file.setdefault(statement.path, []).append(index)
                else:
                    attached.append(index)
                found.directives.append(directive)
            found.spans.setdefault(statement.path, []).append((statement.line, statement.end_line, attached))
        return found

    def apply(self, finding: Finding) -> Finding | None:
        """The finding as the directives leave it: None when one of ours silences it; a note naming the
        directive when another linter's covers it; else unchanged."""
        peer = None
        for index, directive in self._applicable(finding):
            if not directive.covers(finding.rule, finding.name):
                continue
            if directive.tool is None:
                self.used.update((index, r) for r in directive.rules if _names(r, finding))
                return None
            peer = peer or directive
        if peer is None:
            return finding
        return dataclasses.replace(
            finding,
            severity=Severity.INFO,
            message=f"{finding.message} (covered by `{peer.text}`, written for {peer.tool}; "
            f"`-- migration-reviewer: ignore {finding.rule} -- reason` silences it here too)",
        )

    def unused(self, disabled: Iterable[str]) -> Iterator[tuple[Directive, str]]:
        """(directive, rule as written) for each rule one of our directives names that silenced nothing:
        a misspelt code, or a risk the change no longer has; ("", directive) when it names no rule at
        all. Rules turned off in the configuration are left alone (their directives wait for them to be
        turned back on). `disabled` holds codes and names."""
        off = set(disabled)
        for index, directive in enumerate(self.directives):
            if directive.tool is not None:
                continue
            if not directive.rules:
                yield directive, ""
            for rule in directive.rules:
                if (index, rule) not in self.used and rule.upper() not in off and rule not in off:
                    yield directive, rule

    def _applicable(self, finding: Finding) -> Iterator[tuple[int, Directive]]:
        if finding.path is None:
            return
        spans = self.spans.get(finding.path, [])
        on_statement: list[int] = []
        if finding.line is not None:
            # Statements of a file come in order: the last one starting at or before the line.
            at = bisect.bisect_right(spans, finding.line, key=lambda span: span[0]) - 1
            if at >= 0 and spans[at][0] <= finding.line <= spans[at][1]:
                on_statement = spans[at][2]
        for index in [*self.whole_file.get(finding.path, []), *on_statement]:
            yield index, self.directives[index]


def _names(rule: str, finding: Finding) -> bool:
    return rule.upper() == finding.rule or rule == finding.name


def leading_comments(stmt: SqlStatement) -> str:
    """The comments directly above a statement, one a line: in SQL those the splitter kept with it; in a
    Python migration (where statements are what its `op.` calls ran) the `#` lines right above the call's
    line in the revision file."""
    if stmt.statement.comments or not stmt.path.endswith(".py") or stmt.migration.step is None:
        return stmt.statement.comments
    source = stmt.migration.step.source.text.splitlines()
    above: list[str] = []
    for text in reversed(source[: max(stmt.line - 1, 0)]):
        if not text.strip().startswith("#"):
            break
        above.append(text.strip())
    return "\n".join(reversed(above))


def _directive(path: str, line: int, comment: str) -> Directive | None:
    text = comment.strip().removeprefix("--").removeprefix("#").removeprefix("/*").removesuffix("*/").strip()
    match = _OURS.match(text)
    if match:
        names, _, reason = match.group(2).partition("--")
        rules = tuple(r for r in _SEPARATORS.split(names.strip()) if r)
        return Directive(
            path, line, rules, match.group(1).lower() == "ignore-file", None, reason.strip(), text
        )
    for tool, pattern in (("Squawk", _SQUAWK), ("Atlas", _ATLAS), ("Eugene", _EUGENE)):
        match = pattern.match(text)
        if match:
            whole_file = tool == "Squawk" and match.group(1).lower() == "ignore-file"
            names = match.group(match.lastindex or 1)
            rules = tuple(r for r in _SEPARATORS.split(names.strip()) if r)
            return Directive(path, line, rules, whole_file, tool, "", text)
    return None
