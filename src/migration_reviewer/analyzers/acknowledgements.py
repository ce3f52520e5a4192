"""What the author already said: a comment above a statement that explains its risk, and migrations
written to be re-run safely.

**An explaining comment.** The comments directly above a statement (`--` or `/* */` in SQL, `#` above an
`op.` call in Python) acknowledge a lock or backfill finding on it when they say why it is acceptable:
one of the words of ACKNOWLEDGING (maintenance, intentional, deliberate, on purpose, safe, acceptable,
accepted, expected, off-peak, low traffic, small, tiny, empty, "few rows") or a row count ("40 rows",
"2k rows"), and no "not safe" or "unsafe". Naming the risk alone ("a plain build locks out writes") is
describing it, not accepting it. The finding becomes a note (severity info) that quotes the comment: the
reviewer sees the decision and who took it, and the verdict no longer counts it. Ignore directives are
not explanations (they silence a finding outright: suppressions.py); other comments ("add the email
column") are not either.

**A guarded repair migration.** A migration in which every schema change checks first (`CREATE … IF NOT
EXISTS`, `ADD COLUMN IF NOT EXISTS`, or a DO block that looks the object up in the catalog before changing
it) is safe to re-run: where the object is already there it does nothing. A `DROP … IF EXISTS` is no such
guard (re-run or not, it destroys what is there), nor is `CREATE INDEX CONCURRENTLY IF NOT EXISTS` (it
keeps the INVALID index a failed build left). Its lock findings become notes that say so, once per
rule; they still name the lock each statement takes where the object is missing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Finding, Severity
from migration_reviewer.analyzers.sql import SqlStatement
from migration_reviewer.analyzers.suppressions import leading_comments

ACKNOWLEDGING = re.compile(
    r"\b(?:maintenance|intentional(?:ly)?|deliberate(?:ly)?|on purpose|safe(?:ly)?|acceptable|accepted|"
    r"expected|off-peak|low[- ]traffic|small|tiny|empty|few rows|\d[\d,_.]*\s*k?\s*rows)\b",
    re.I,
)
# A comment that says the opposite acknowledges nothing.
_DENYING = re.compile(r"\b(?:not|never|isn't|is not)\s+(?:safe|acceptable|small)\b|\bunsafe\b", re.I)
# Findings a comment can acknowledge: risks the author can weigh (a lock, a backfill), not failures,
# security or drift, which a comment does not make go away.
_ACKNOWLEDGEABLE = (Category.LOCK, Category.BACKFILL)
_DIRECTIVE = re.compile(r"(migration-reviewer|squawk-ignore|atlas:nolint|eugene:)", re.I)
_COMMENT_MARKS = re.compile(r"^\s*(?:--|#|/\*+|\*+/?)\s*|\s*\*+/\s*$")
_CATALOG_CHECK = re.compile(
    r"\bIF\s+(?:NOT\s+)?EXISTS\s*\(\s*SELECT\b.*?\b(?:pg_\w+|information_schema\.\w+)", re.I | re.S
)
# Statements that change no schema: they neither need a guard nor make a migration unguarded.
_NEUTRAL = {"VariableSetStmt", "TransactionStmt", "SelectStmt", "CommentStmt", "VariableShowStmt"}
_CREATE_IF_NOT_EXISTS = {
    "IndexStmt",
    "CreateStmt",
    "CreateSchemaStmt",
    "CreateExtensionStmt",
    "CreateSeqStmt",
    "CreateTableAsStmt",
}
GUARDED_NOTE = (
    "Guarded, so safe to re-run: every change of this migration checks first (IF NOT EXISTS or a catalog "
    "lookup) and does nothing where the object is there. Where it is missing: "
)


def acknowledge(context: AnalysisContext, findings: Iterable[Finding]) -> list[Finding]:
    """The findings with those the author explained, or wrote a guard for, turned into notes."""
    statements = {(stmt.path, stmt.line): stmt for stmt in context.statements}
    guarded = guarded_migrations(context.statements)
    result = []
    for finding in findings:
        stmt = statements.get((finding.path or "", finding.line or 0))
        if stmt is None or finding.category not in _ACKNOWLEDGEABLE:
            result.append(finding)
            continue
        explanation = explaining_comment(leading_comments(stmt))
        if explanation is not None:
            finding = dataclasses.replace(finding, severity=Severity.INFO, acknowledged=explanation)
        elif finding.category is Category.LOCK and stmt.migration.id in guarded and is_guarded(stmt):
            finding = dataclasses.replace(
                finding, severity=Severity.INFO, message=GUARDED_NOTE + finding.message
            )
        result.append(finding)
    return result


def explaining_comment(comments: str) -> str | None:
    """The comment, on one line without its comment marks, when it explains a risk; else None."""
    lines = [_COMMENT_MARKS.sub("", line).strip() for line in comments.splitlines()]
    words = " ".join(line for line in lines if line and not _DIRECTIVE.search(line))
    return words if words and ACKNOWLEDGING.search(words) and not _DENYING.search(words) else None


def guarded_migrations(statements: Iterable[SqlStatement]) -> set[str]:
    """Ids of the migrations whose every schema change is guarded (and that have at least one)."""
    verdicts: dict[str, bool] = {}
    for stmt in statements:
        if stmt.kind in _NEUTRAL or not stmt.tree:
            continue
        verdicts[stmt.migration.id] = verdicts.get(stmt.migration.id, True) and is_guarded(stmt)
    return {migration for migration, guarded in verdicts.items() if guarded}


def is_guarded(stmt: SqlStatement) -> bool:
    """The statement checks whether its change is needed before making it."""
    body = stmt.body
    if stmt.kind == "IndexStmt" and body.get("concurrent"):
        return False  # IF NOT EXISTS keeps the INVALID index a failed concurrent build left (LK037)
    if stmt.kind in _CREATE_IF_NOT_EXISTS:
        return bool(body.get("if_not_exists"))
    if stmt.kind == "AlterTableStmt":  # ADD COLUMN IF NOT EXISTS; a DROP … IF EXISTS still destroys
        return bool(stmt.alter_commands) and all(
            cmd.get("missing_ok") and str(cmd.get("subtype", "")).startswith("AT_Add")
            for cmd in stmt.alter_commands
        )
    if stmt.kind == "DoStmt":
        return bool(_CATALOG_CHECK.search(stmt.statement.text))
    return False
