"""The rule registry: `@rule` registers a function that yields findings for one migration set.

A rule is one file: one function, one decorator, one docstring with fixed headings (What it does, Why is
this risky?, Example, Use instead). The docs under docs/rules/ are generated from those docstrings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Finding, Issue, Severity

RuleFunction = Callable[[AnalysisContext], Iterable[Issue]]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    category: Category
    severity: Severity
    dialects: frozenset[str]
    function: RuleFunction

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.function) or ""

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]


RULES: dict[str, RuleSpec] = {}

ALL_DIALECTS = frozenset({"postgresql", "mysql", "sqlite"})


def rule(
    code: str,
    name: str,
    category: Category,
    severity: Severity,
    dialects: Iterable[str] = ALL_DIALECTS,
) -> Callable[[RuleFunction], RuleFunction]:
    def register(function: RuleFunction) -> RuleFunction:
        if code in RULES:
            raise RuntimeError(f"rule code {code} is registered twice")
        RULES[code] = RuleSpec(code, name, category, severity, frozenset(dialects), function)
        return function

    return register


def run_rules(context: AnalysisContext) -> Iterator[Finding]:
    dialect = context.migration_set.dialect.value
    for spec in RULES.values():
        if dialect in spec.dialects:
            for issue in spec.function(context):
                yield Finding(
                    rule=spec.code,
                    name=spec.name,
                    category=spec.category,
                    severity=issue.severity or spec.severity,
                    message=issue.message,
                    path=issue.path,
                    line=issue.line,
                    table=issue.table,
                    fix=issue.fix,
                    confirmed_by_replay=issue.confirmed_by_replay,
                    statement=issue.statement,
                    migration_set=context.migration_set.root,
                )
