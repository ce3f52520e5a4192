"""The pull-request comment and job summary: sections, escaping of hostile names, folding under the limit."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from migration_reviewer.analyzers.finding import Category, Finding, Location, Severity
from migration_reviewer.renderers.comment import (
    COMMENT_LIMIT,
    DIGEST,
    MARKER,
    blob_url,
    render,
    render_comment,
    render_summary,
    review_comment,
)
from migration_reviewer.renderers.escape import WORD_JOINER
from migration_reviewer.replay.result import LockTaken, Outcome, StatementRun
from migration_reviewer.replay.statements import Statement
from migration_reviewer.report.model import Handoff, TableView
from migration_reviewer.schema.model import SchemaChange
from report_samples import PATH, customers_tables, finding, migration, report

HOSTILE_TABLE = "<img src=x onerror=alert(1)>"
HOSTILE_TEAM = "@org/team"


def test_the_comment_starts_with_the_marker_and_says_the_verdict_first() -> None:
    body = render_comment(report((finding(),)))

    lines = body.splitlines()
    assert lines[0] == MARKER
    assert DIGEST.fullmatch(lines[1])
    assert lines[2] == "## 🛑 **Migrations will cause trouble**"
    assert body.index("| Schema | added | changed | dropped |") < body.index("### Findings")
    assert "| columns | 1 | – | – |" in body


def test_findings_come_most_severe_first_with_the_fix_and_how_to_suppress() -> None:
    warning = finding("a warning", severity=Severity.WARNING, rule="LK001", name="lock", line=9)
    error = finding("an error", line=20)

    body = render_comment(report((error, warning)))  # the report's order: most severe first

    assert body.index("an error") < body.index("a warning")
    assert "**Fix:** guard it with IF NOT EXISTS" in body
    assert "`-- migration-reviewer: ignore <rule> <reason>`" in body


def test_a_finding_shows_the_lock_its_statement_took_and_for_how_long() -> None:
    statement = Statement("ALTER TABLE customers ADD COLUMN email text", PATH, 3, 3)
    run = StatementRun(
        statement,
        Outcome.APPLIED,
        duration_ms=1500.0,
        locks=(
            LockTaken("customers", "AccessExclusiveLock", "table"),
            LockTaken("t", "RowExclusiveLock", "table"),
        ),
        lock_hold_ms=2300.0,
    )
    entry = dataclasses.replace(migration(), statements=(run,))

    body = render_comment(report((finding(line=3),), migrations=(entry,)))

    assert (
        "**Lock:** ACCESS EXCLUSIVE on `customers`: reads and writes wait, for 2.3 s "
        "(the statement ran 1.5 s in the replay)." in body
    )


def test_hostile_repository_names_are_escaped_everywhere() -> None:
    change = SchemaChange("table_added", HOSTILE_TABLE, None, f"owned by {HOSTILE_TEAM} </details>")
    hostile = finding(
        f"table {HOSTILE_TABLE} is approved by {HOSTILE_TEAM} </details><details open>",
        path=f"db/{HOSTILE_TEAM}|x.sql",
        fix="run `DROP TABLE x` [click](https://evil.example)",
    )
    tables = (TableView(HOSTILE_TABLE, "added", customers_tables()[0].columns),)
    entry = migration(name=f"x|y</details>{HOSTILE_TEAM}", path=f"db/{HOSTILE_TEAM}|x.sql")

    for body in (
        render_comment(report((hostile,), migrations=(entry,), changes=(change,), tables=tables)),
        render_summary(report((hostile,), migrations=(entry,), changes=(change,), tables=tables)),
    ):
        rendered = _outside_code(body)
        assert "<img" not in rendered and "@org/team" not in rendered
        diagram = body.split("```mermaid", 1)[1].split("```", 1)[0]
        assert '"_img src_x onerror_alert_1__ (added)"' in diagram
        assert rendered.count("<details") == rendered.count("</details>")  # no name closed or opened a block
        assert "](https://evil.example)" not in rendered
    assert f"@{WORD_JOINER}org/team" in body


def _outside_code(markdown: str) -> str:
    """The text GitHub renders as Markdown: code spans and fenced blocks removed."""
    without_blocks = re.sub(r"(`{3,})[^\n]*\n.*?\n\1", "", markdown, flags=re.DOTALL)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", without_blocks)


def test_no_migration_change_says_so_plainly() -> None:
    body = render_comment(report(sets=False))

    assert "No migration files changed between `aaaaaaaaaaaa` and `bbbbbbbbbbbb`." in body
    assert "### Findings" not in body and "erDiagram" not in body


def test_rollback_backfill_and_hand_off_appear_only_with_data() -> None:
    plain = render_comment(report((finding(),)))
    assert "### Rollback" not in plain and "Hand-off" not in plain

    reversible = dataclasses.replace(migration(), reversible=True)
    irreversible = dataclasses.replace(migration("drop_legacy"), reversible=False)
    backfill = finding(
        "`UPDATE orders` touches every row", category=Category.BACKFILL, rule="BF001", name="big-update"
    )
    full = dataclasses.replace(
        report((backfill,), migrations=(reversible, irreversible)),
        handoff=Handoff(
            deploy_steps=("deploy the code that writes `email` first",),
            follow_ups=("validate `orders_customer_fk` in the next release",),
            monitoring=("watch lock waits on `orders`",),
            rollback=("restore `legacy` from the backup",),
        ),
    )

    body = render_comment(full)

    assert "- ✅ `add_email`: its down restores the schema" in body
    assert "- ❌ `drop_legacy`: no down that restores the schema" in body
    assert "- restore `legacy` from the backup" in body
    # A backfill finding is listed under its file with the others; the hand-off is folded.
    assert f"#### `{PATH}`" in body and "`UPDATE orders` touches every row" in body
    assert "<details><summary><b>Hand-off</b>" in body
    assert "**Follow-ups**\n\n- validate `orders_customer_fk` in the next release" in body


def test_the_schema_diagram_marks_changes_and_folds_when_large() -> None:
    body = render_comment(report())
    assert "```mermaid\nerDiagram" in body
    assert '"customers (changed)"' in body and 'text email "added"' in body
    assert '"orders" }o--|| "customers (changed)"' in body

    many = customers_tables() + tuple(TableView(f"t{n}", "added", ()) for n in range(10))
    folded = render_comment(report(tables=many))
    assert "<details><summary><b>Schema diagram</b> (12 tables)</summary>" in folded

    untouched = render_comment(report(tables=(customers_tables()[1],)))
    assert "erDiagram" not in untouched


def test_a_huge_report_folds_detail_to_fit_a_comment_but_not_the_summary() -> None:
    findings = tuple(
        finding(f"finding {n} " + "y" * 300, line=n, statement="SELECT 1;\n" * 100) for n in range(1, 400)
    )
    big = report(findings)

    comment = render_comment(big)
    summary = render_summary(big)

    assert len(comment) <= COMMENT_LIMIT
    assert "detail folded to fit: the job summary has all of it" in comment
    assert len(summary.encode()) <= 1_000_000
    assert "finding 399" in summary and "SELECT 1;" in summary and "folded" not in summary
    assert MARKER not in summary


def test_every_field_is_capped() -> None:
    body = render_comment(report((finding("z" * 50_000),)))

    assert len(body) < 10_000
    assert "z" * 900 in body and "…" in body


def test_an_override_template_can_replace_a_block_and_keeps_the_marker(tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text(
        '{% extends "comment.md.j2" %}{% block footer %}\nAsk #dba before merging.\n{% endblock %}'
    )
    without_marker = tmp_path / "bare.md.j2"
    without_marker.write_text("Verdict: {{ report.verdict.value }}\n")

    assert render_comment(report(), str(template)).rstrip().endswith("Ask #dba before merging.")
    marker, digest, rest = render_comment(report(), str(without_marker)).split("\n", 2)
    assert (marker, rest) == (MARKER, "Verdict: pass\n") and DIGEST.fullmatch(digest)


def test_the_digest_ignores_timings_only() -> None:
    def digest(duration_ms: float, message: str) -> str:
        entry = dataclasses.replace(migration(), duration_ms=duration_ms)
        body = render_comment(report((finding(message),), migrations=(entry,)))
        return body.splitlines()[1]

    assert digest(12.0, "same") == digest(1480.0, "same")
    assert digest(12.0, "same") != digest(12.0, "different")


def test_an_override_that_prints_unbounded_text_gets_a_short_comment(tmp_path: Path) -> None:
    template = tmp_path / "loud.md.j2"
    template.write_text("{% for _ in range(100000) %}spam {% endfor %}")

    body = render(report(), str(template), limit=COMMENT_LIMIT)

    assert len(body) < 500 and "too long for a comment" in body


def test_a_line_comment_is_escaped_like_the_comment() -> None:
    text = review_comment(finding(f"ping {HOSTILE_TEAM} <b>now</b>"))

    assert text.startswith("🛑 `RP001` migration-fails: ping @\u2060org/team &lt;b&gt;now&lt;/b&gt;")
    assert text.endswith("**Fix:** guard it with IF NOT EXISTS")


def test_the_example_override_extends_the_packaged_comment() -> None:
    example = Path(__file__).parents[3] / "templates" / "team-footer.md.j2"

    body = render_comment(report((finding(),)), str(example))

    assert "### Findings" in body
    assert body.rstrip().endswith("Ask the database owners before merging.</sub>")
    assert "migration-reviewer 0.1.0 · base" in body


BLOB = "https://github.com/octo/shop/blob/" + "b" * 40


def _grouped(rule: str, lines: tuple[int, ...], lock: str | None = "SHARE", **kwargs: object) -> Finding:
    locations = tuple(
        Location(PATH, line, f"t{line}", f"CREATE INDEX ON t{line} (a)", lock, 2.0) for line in lines
    )
    return dataclasses.replace(
        finding(
            f"{len(lines)} statements take SHARE",
            rule=rule,
            severity=Severity.WARNING,
            line=lines[0],
            **kwargs,
        ),
        locations=locations,
    )


def test_findings_sit_under_their_file_once_with_each_line_linked_to_the_head_commit() -> None:
    findings = (
        _grouped("LK001", (3, 9, 15), name="create-index-without-concurrently", category=Category.LOCK),
        _grouped("LK008", (2, 8), name="constraint-without-not-valid", category=Category.LOCK),
    )

    body = render_comment(report(findings), blob=BLOB)

    assert body.count(f"`{PATH}`") == 1  # the path is written once, as the heading; then only in links
    assert f"#### [`{PATH}`]({BLOB}/{PATH})" in body
    assert f"[3]({BLOB}/{PATH}#L3) `t3`, [9]({BLOB}/{PATH}#L9) `t9`, [15]({BLOB}/{PATH}#L15) `t15`" in body
    assert body.count("**`LK001`**") == 1 and body.count("**`LK008`**") == 1  # one entry per group
    assert "<details><summary>create-index-without-concurrently: why, and the fix</summary>" in body
    # Each statement's lock, folded, where they differ (the message says it when they are all one).
    mixed = dataclasses.replace(
        findings[0],
        locations=tuple(
            dataclasses.replace(loc, lock="ACCESS EXCLUSIVE" if loc.line == 9 else loc.lock)
            for loc in findings[0].locations
        ),
    )
    assert "| 9 | `t9` | ACCESS EXCLUSIVE | 2 ms |" in render_comment(report((mixed,)), blob=BLOB)
    assert "| 9 | `t9` |" not in body


def test_a_working_tree_or_an_odd_repository_gets_no_links() -> None:
    assert blob_url("https://github.com", "octo/shop", "b" * 40) == BLOB
    assert blob_url("https://github.com", "octo/shop", "WORKTREE") is None
    assert blob_url("https://github.com", "octo/shop)[x](y", "b" * 40) is None
    assert blob_url("javascript:alert(1)", "octo/shop", "b" * 40) is None
    assert "](" not in render_comment(report((finding(),))).split("### Findings")[1].split("<details>")[0]


def test_the_timeout_advice_is_one_line_per_migration() -> None:
    lock_timeout = _grouped("LK022", (1,), name="missing-lock-timeout", category=Category.LOCK)
    statement_timeout = _grouped("LK023", (2,), name="missing-statement-timeout", category=Category.LOCK)

    body = render_comment(report((lock_timeout, statement_timeout)))

    [line] = [text for text in body.splitlines() if "lock_timeout" in text]
    assert line.startswith("⏱️ `LK022`, `LK023`: no `lock_timeout` or `statement_timeout`")
    assert "<details><summary>missing-lock-timeout" not in body


def test_the_summary_on_top_says_what_waits_in_production_and_what_to_do_first() -> None:
    index = _grouped("LK001", (3, 9), name="create-index-without-concurrently", category=Category.LOCK)
    rewrite = _grouped(
        "LK005", (5,), lock="ACCESS EXCLUSIVE", name="add-column-rewrite", category=Category.LOCK
    )

    body = render_comment(
        report((dataclasses.replace(rewrite, fix="add the column without a default"), index))
    )

    summary = body.split("| Schema |")[0]
    assert "**If this merges:** Reads and writes of `t5` wait while it holds ACCESS EXCLUSIVE." in summary
    assert "Writes to `t3`, `t9` wait while the migration runs; reads go on." in summary
    assert "**Before merging:**\n- add the column without a default (`LK005`)" in summary


def test_a_large_change_stays_under_the_comment_budget_by_folding_whole_entries() -> None:
    findings = tuple(
        _grouped(f"LK{n:03d}", tuple(range(n, n + 40)), name="r", category=Category.LOCK)
        for n in range(1, 120)
    )

    body = render_comment(report(findings))

    assert len(body) <= 20_000
    assert "more findings: the job summary has them all, and the JSON report." in body
    assert body.count("<details>") == body.count("</details>")  # nothing cut inside a fold
    assert "more findings" not in render_summary(report(findings))  # the job summary has them all
