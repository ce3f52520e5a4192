"""The rule registry: `@rule` registers a function that yields issues for one migration set.

A rule is one file: one function, one decorator, one docstring with fixed headings (What it does, Why is
this risky?, Example, Use instead; optionally Fix in <framework>). The docs under docs/rules/ are
generated from those docstrings (scripts/gen_docs.py).

A rule's options are declared in the decorator and arrive as keyword arguments (`max-lock-timeout` →
`max_lock_timeout`), with the defaults replaced by what the configuration says.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from migration_reviewer.analyzers.acknowledgements import acknowledge
from migration_reviewer.analyzers.context import AnalysisContext, RuleChoice, RuleOptions, TableStats
from migration_reviewer.analyzers.finding import Category, Finding, Issue, Severity
from migration_reviewer.analyzers.grouping import group_findings
from migration_reviewer.config import RuleSetting, Settings
from migration_reviewer.errors import ConfigError

RuleFunction = Callable[..., Iterable[Issue]]

CODE = re.compile(r"^[A-Z]{2}\d{3}$")


@dataclass(frozen=True)
class Option:
    default: Any
    help: str


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    category: Category
    severity: Severity
    dialects: frozenset[str]
    function: RuleFunction
    options: Mapping[str, Option] = field(default_factory=lambda: MappingProxyType({}))
    lintable: bool = False  # fires on SQL text alone: `lint` can raise it and its doc examples are tested

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.function) or ""

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]

    @property
    def headline(self) -> str:
        """The docstring's first paragraph on one line: what the rule finds, as a reader's heading."""
        return " ".join(self.doc.split("\n\n", 1)[0].split())


RULES: dict[str, RuleSpec] = {}

ALL_DIALECTS = frozenset({"postgresql", "mysql", "sqlite"})


def rule(
    code: str,
    name: str,
    category: Category,
    severity: Severity,
    dialects: Iterable[str] = ALL_DIALECTS,
    *,
    options: Mapping[str, Option] | None = None,
    lintable: bool = False,
) -> Callable[[RuleFunction], RuleFunction]:
    def register(function: RuleFunction) -> RuleFunction:
        if code in RULES:
            raise RuntimeError(f"rule code {code} is registered twice")
        if not CODE.match(code):
            raise RuntimeError(f"rule code {code} is not two capitals and three digits")
        declared = {key.replace("-", "_") for key in options or {}}
        accepted = {
            p.name for p in inspect.signature(function).parameters.values() if p.kind is p.KEYWORD_ONLY
        }
        if declared != accepted:
            raise RuntimeError(f"{code}: options {sorted(declared)} but keyword arguments {sorted(accepted)}")
        RULES[code] = RuleSpec(
            code,
            name,
            category,
            severity,
            frozenset(dialects),
            function,
            MappingProxyType(dict(options or {})),
            lintable,
        )
        return function

    return register


def every_rule() -> dict[str, RuleSpec]:
    """RULES, every rule in it: the rule modules register themselves as they are imported, and since each
    imports this module, this one imports them on first use."""
    import migration_reviewer.analyzers.all_rules  # noqa: F401

    return RULES


def rules_of_dialect(dialect: str) -> list[RuleSpec]:
    """The rules that judge `dialect`, in the registry's order, importing only their modules: `lint`
    (PostgreSQL) loads neither the MySQL nor the SQLite rules. The generated index (rule_index.py) says
    which module holds which rule."""
    from migration_reviewer.analyzers.rule_index import INDEX

    wanted = [(code, module) for code, _name, module, dialects in INDEX if dialect in dialects]
    for _code, module in wanted:
        importlib.import_module(f"migration_reviewer.analyzers.{module}")
    return [RULES[code] for code, _module in wanted]


def find_rule(key: str) -> RuleSpec | None:
    """A rule by code ("LK001") or name ("create-index-without-concurrently"), importing its module
    alone."""
    from migration_reviewer.analyzers.rule_index import INDEX

    for code, name, module, _dialects in INDEX:
        if key.upper() == code or key == name:
            importlib.import_module(f"migration_reviewer.analyzers.{module}")
            return RULES[code]
    return None


def index_source() -> str:
    """The text of rule_index.py for the rules registered now (run in a fresh process: the registry's
    order is the order all_rules imports the rule modules in)."""
    package = "migration_reviewer.analyzers."
    lines = [
        '"""Generated by scripts/gen_docs.py from the `@rule` decorators: do not edit.',
        "",
        "Each rule's code, name, module (under migration_reviewer.analyzers) and dialects, in the registry's",
        'order, so that a run loads only the rule modules it uses."""',
        "",
        "EVERY_DIALECT = frozenset({" + ", ".join(f'"{d}"' for d in sorted(ALL_DIALECTS)) + "})",
        "",
        "INDEX: tuple[tuple[str, str, str, frozenset[str]], ...] = (",
    ]
    for spec in every_rule().values():
        if spec.dialects == ALL_DIALECTS:
            dialects = "EVERY_DIALECT"
        else:
            dialects = "frozenset({" + ", ".join(f'"{d}"' for d in sorted(spec.dialects)) + "})"
        values = [
            f'"{spec.code}"',
            f'"{spec.name}"',
            f'"{spec.function.__module__.removeprefix(package)}"',
            dialects,
        ]
        line = f"    ({', '.join(values)}),"
        lines += (
            [line] if len(line) <= 110 else ["    (", *(f"        {value}," for value in values), "    ),"]
        )
    return "\n".join([*lines, ")", ""])


def run_rules(context: AnalysisContext) -> list[Finding]:
    """Every enabled rule of the set's dialect, with the configuration's severities, then the
    suppressions: an ignore directive drops its findings, a peer tool's directive turns them into notes.
    Rules about suppressions run last, because they judge what the others found. Then what the author
    explained in a comment, or guarded, becomes a note (analyzers/acknowledgements.py), and the findings of
    one rule on one file become one finding that lists their statements (analyzers/grouping.py)."""
    findings: list[Finding] = []
    rules = rules_of_dialect(context.migration_set.dialect.value)
    last = [spec for spec in rules if spec.category is Category.SUPPRESSION]
    for spec in [*(s for s in rules if s.category is not Category.SUPPRESSION), *last]:
        choice = context.options.rules.get(spec.code, RuleChoice())
        if not choice.enabled:
            continue
        arguments = {
            key.replace("-", "_"): choice.options.get(key, option.default)
            for key, option in spec.options.items()
        }
        for issue in spec.function(context, **arguments):
            finding = context.suppressions.apply(_finding(spec, issue, choice, context))
            if finding is not None:
                findings.append(finding)
    return group_findings(context, acknowledge(context, findings))


def _finding(spec: RuleSpec, issue: Issue, choice: RuleChoice, context: AnalysisContext) -> Finding:
    # The configuration overrides the rule's default severity, not what the rule decided case by case.
    severity = issue.severity or choice.severity or spec.severity
    return Finding(
        rule=spec.code,
        name=spec.name,
        category=spec.category,
        severity=severity,
        message=issue.message,
        path=issue.path,
        line=issue.line,
        table=issue.table,
        fix=issue.fix,
        confirmed_by_replay=issue.confirmed_by_replay,
        statement=issue.statement,
        migration_set=context.migration_set.root,
        knock_ons=issue.knock_ons,
    )


def rule_options(settings: Settings, production: Mapping[str, TableStats] | None = None) -> RuleOptions:
    """The rules' view of the settings, checked against the registry: an unknown rule, severity or
    option is a configuration error that names it. `production` holds the sizes read with --stats-from;
    the configured `table-rows` win over them."""
    stats = dict(production or {})
    for table, rows in settings.table_rows:
        known = stats.get(_table_key(table))
        stats[_table_key(table)] = TableStats(rows, known.size_bytes if known else None)
    return RuleOptions(
        pg_version=settings.pg_version,
        production=MappingProxyType(stats),
        rules=MappingProxyType({code: choice for code, choice in map(_choice, settings.rules)}),
    )


def _table_key(name: str) -> str:
    return name.removeprefix("public.")


def _choice(setting: RuleSetting) -> tuple[str, RuleChoice]:
    spec = find_rule(setting.rule)
    if spec is None:
        raise ConfigError(
            f"rules: no rule '{setting.rule}'", hint="name a rule by code (LK001) or name; see docs/rules/"
        )
    severity = None
    if setting.severity is not None:
        try:
            severity = Severity(setting.severity)
        except ValueError:
            raise ConfigError(
                f"rules.{setting.rule}: severity must be error, warning or info, not '{setting.severity}'"
            ) from None
    unknown = sorted(set(dict(setting.options)) - set(spec.options))
    if unknown:
        known = ", ".join(spec.options) or "none"
        raise ConfigError(f"rules.{setting.rule}: unknown option {', '.join(unknown)} (options: {known})")
    options = {key: _checked(spec, key, value) for key, value in setting.options}
    return spec.code, RuleChoice(setting.enabled, severity, MappingProxyType(options))


def _checked(spec: RuleSpec, key: str, value: Any) -> Any:
    expected = type(spec.options[key].default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or isinstance(value, bool) is not isinstance(
        spec.options[key].default, bool
    ):
        raise ConfigError(f"rules.{spec.code}: '{key}' must be a {expected.__name__}, not {value!r}")
    return value


def iter_specs() -> Iterator[RuleSpec]:
    """The rules in code order."""
    yield from sorted(every_rule().values(), key=lambda spec: spec.code)
