"""Property-based tests of the code that reads what a pull request wrote (the SQL splitter, suppression
comments) and of what writes it back (Markdown escaping, comment folding). Bounded example counts keep
the run to seconds; HYPOTHESIS_PROFILE=long digs deeper."""

from __future__ import annotations

import dataclasses
import os
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.analyzers.suppressions import _directive
from migration_reviewer.config import Settings
from migration_reviewer.pipeline import lint
from migration_reviewer.renderers import escape
from migration_reviewer.renderers.comment import COMMENT_LIMIT, MARKER, render_comment
from migration_reviewer.replay.statements import split_sql
from report_samples import finding, migration, report

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Pieces of SQL that hide semicolons, quotes and comments from a naive splitter.
FRAGMENTS = st.sampled_from(
    [
        "SELECT 1", "SELECT ';'", "SELECT 'it''s'", 'SELECT "a;b" FROM t', "SELECT $$a;b$$",
        "SELECT $x$ $$ ; $x$", "CREATE TABLE t (id int)", "ALTER TABLE t ADD c int", "SELECT E'\\';'",
        "DO $$ BEGIN PERFORM 1; END $$", "SELECT 1 /* ; */ + 1", "SELECT 1 -- ;\n + 1",
        "CREATE INDEX CONCURRENTLY i ON t (c)", "COPY t TO PROGRAM 'x'",
    ]
)
NOISE = st.sampled_from(
    ["", "\n", "\n\n", "  ", "-- note\n", "/* c */ ", "-- migration-reviewer: ignore LK001\n"]
)
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)


@given(st.lists(st.tuples(NOISE, FRAGMENTS), max_size=12))
def test_the_splitter_finds_each_statement_at_its_line(parts: list[tuple[str, str]]) -> None:
    text = "".join(f"{noise}{statement};\n" for noise, statement in parts)
    statements = split_sql(text, "f.sql")
    assert [s.text for s in statements] == [statement for _, statement in parts]
    lines = text.split("\n")
    for stmt in statements:
        assert stmt.text.split("\n")[0] in lines[stmt.line - 1]
        assert stmt.end_line == stmt.line + stmt.text.count("\n")


@given(ANY_TEXT)
def test_the_splitter_never_fails_and_loses_no_code(text: str) -> None:
    statements = split_sql(text, "f.sql")
    position = 0
    for stmt in statements:  # in order, each a piece of the file, at a line the file has
        position = text.index(stmt.text, position) + len(stmt.text)
        assert 1 <= stmt.line <= stmt.end_line <= text.count("\n") + 1


RULE = st.from_regex(r"[A-Z]{2}[0-9]{3}|[a-z]+(-[a-z]+){0,3}", fullmatch=True)
CODES = st.lists(RULE, min_size=1, max_size=4)
REASONS = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)


@given(
    CODES, st.sampled_from([" ", ", ", ","]), REASONS, st.sampled_from(["ignore", "ignore-file", "IGNORE"])
)
def test_a_suppression_comment_names_its_rules_and_reason(
    codes: list[str], separator: str, reason: str, verb: str
) -> None:
    directive = _directive("f.sql", 3, f"-- migration-reviewer: {verb} {separator.join(codes)} -- {reason}")
    assert directive is not None
    assert directive.rules == tuple(codes)
    assert directive.reason == reason.strip()
    assert directive.whole_file == (verb == "ignore-file")


@given(ANY_TEXT)
def test_any_comment_is_read_or_ignored_without_error(comment: str) -> None:
    _directive("f.sql", 1, comment)


@given(st.lists(st.tuples(NOISE, FRAGMENTS | ANY_TEXT), max_size=6))
def test_lint_reviews_any_text_without_error(parts: list[tuple[str, str]]) -> None:
    report = lint([("f.sql", "".join(f"{noise}{sql};\n" for noise, sql in parts))], Settings())
    assert report.verdict.value in ("pass", "warn", "fail")


MARKUP = st.text(st.sampled_from("ab|`*_[]()<>&@#!\\\n\r\t\x1b\x00\u202e -:/0123456789"), max_size=80)
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@given(MARKUP | ANY_TEXT)
def test_text_is_inert(value: str) -> None:
    out = escape.text(value)
    assert "\n" not in out and "<" not in out and ">" not in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]", out)
    assert not re.search(r"(?<!\\)[`*_\[\]|~]", out)  # every Markdown metacharacter is escaped
    assert not re.search(r"[@#][A-Za-z0-9]", out)  # no mention, no issue link
    assert "://" not in out


@given(MARKUP | ANY_TEXT)
def test_a_code_span_holds_the_value_and_cannot_be_closed_early(value: str) -> None:
    out = escape.code(value)
    fence = re.match(r"`+", out)
    assert fence is not None and out.endswith(fence.group())
    inner = out[len(fence.group()) : -len(fence.group())]
    assert fence.group() not in re.findall(r"`+", inner)  # no run inside as long as the fence
    assert "\n" not in inner
    raw = escape._one_line(value)
    assert inner in (raw, f" {raw} ")  # padded where the value starts or ends with a backtick


@given(MARKUP | ANY_TEXT)
def test_nothing_ends_a_table_cell(value: str) -> None:
    for out in (escape.code(value, in_table=True), escape.message(value, in_table=True), escape.text(value)):
        assert not UNESCAPED_PIPE.search(out) and "\n" not in out


@given(MARKUP | ANY_TEXT)
def test_html_text_cannot_open_an_element(value: str) -> None:
    out = escape.html(value)
    assert not re.search(r'[<>"\n]', out)
    assert not re.search(r"@[A-Za-z0-9]", out)


@given(MARKUP | ANY_TEXT)
def test_a_code_block_cannot_be_closed_from_inside(value: str) -> None:
    out = escape.code_block(value)
    fence = out.split("\n", 1)[0].removesuffix("sql")
    body = out.split("\n")[1:-1]
    assert out.endswith("\n" + fence)
    assert not any(line.strip().startswith(fence) for line in body)


@settings(max_examples=15)
@given(
    st.integers(0, 3_000),
    st.integers(1, 2_500),
    st.integers(0, 2_000),
    st.sampled_from(list(Severity)),
    MARKUP,
)
@example(284, 1, 0, Severity.ERROR, "")  # a body just under the limit, before the digest line was added
def test_any_report_folds_to_fit_a_comment_and_keeps_its_tables_whole(
    findings: int, migrations: int, message_size: int, severity: Severity, hostile: str
) -> None:
    body = render_comment(
        report(
            tuple(
                finding(f"`{hostile}` {n} " + "m" * message_size, line=n, severity=severity,
                        statement="SELECT 1;\n" * (message_size // 10))
                for n in range(findings)
            ),
            migrations=tuple(
                dataclasses.replace(migration(f"m{n}_{hostile}"), reversible=n % 3 == 0)
                for n in range(migrations)
            ),
        )
    )
    assert len(body) <= COMMENT_LIMIT and body.startswith(MARKER)
    assert "The report is too long for a comment" not in body
    for line in body.splitlines():
        if line.startswith("|"):
            assert line.endswith("|") and not line.endswith("\\|")
