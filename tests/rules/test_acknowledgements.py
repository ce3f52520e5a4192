"""What the author already said: an explaining comment turns a finding into a note that quotes it, and a
migration whose every change is guarded is said to be safe to re-run."""

from __future__ import annotations

import pytest

from migration_reviewer.analyzers.acknowledgements import GUARDED_NOTE, explaining_comment
from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.replay.providers.base import Server
from rules.harness import run_case


def test_a_comment_that_explains_the_lock_makes_the_finding_a_note_that_quotes_it() -> None:
    findings = run_case(
        [
            "-- orders is small (a few hundred rows): the SHARE lock is over in milliseconds\n"
            "CREATE INDEX orders_status_idx ON orders (status);\n"
            "-- look up customers by email\n"
            "CREATE INDEX customers_email_idx ON customers (email);\n"
        ]
    )

    [acknowledged, plain] = sorted((f for f in findings if f.rule == "LK001"), key=lambda f: f.line or 0)
    assert acknowledged.severity is Severity.INFO and acknowledged.lines == (2,)
    assert acknowledged.acknowledged == (
        "orders is small (a few hundred rows): the SHARE lock is over in milliseconds"
    )
    assert plain.severity is Severity.WARNING and plain.acknowledged is None and plain.lines == (4,)


@pytest.mark.parametrize(
    ("comment", "explains"),
    [
        ("-- intentional: we take the lock in the maintenance window", True),
        ("/* the table holds 40 rows */", True),
        ("# downtime accepted by the on-call team", True),
        ("-- add the email column", False),
        ("-- a plain build locks out writes", False),  # naming the risk is not accepting it
        ("-- not safe on the big tenants' tables", False),
        ("-- migration-reviewer: ignore LK001 -- small table", False),  # a directive, not an explanation
    ],
)
def test_which_comments_explain_a_risk(comment: str, explains: bool) -> None:
    assert (explaining_comment(comment) is not None) is explains


def test_failures_and_security_findings_are_not_acknowledged_by_a_comment() -> None:
    findings = run_case(["-- intentional, safe\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC;\n"])

    [grant] = [f for f in findings if f.rule == "SC003"]
    assert grant.severity is not Severity.INFO and grant.acknowledged is None


REPAIR = """CREATE INDEX IF NOT EXISTS orders_status_idx ON orders (status);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'orders_total_positive') THEN
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;
  END IF;
END $$;
"""


@pytest.mark.postgres
def test_a_guarded_repair_migration_is_said_to_be_safe_to_re_run(server: Server) -> None:
    setup = "CREATE TABLE orders (id bigint PRIMARY KEY, status text, total int);"
    findings = run_case([REPAIR], setup=setup, server=server)

    locks = [f for f in findings if f.category.value == "lock"]
    assert locks and all(f.severity is Severity.INFO for f in locks)
    [index] = [f for f in locks if f.rule == "LK001"]
    assert GUARDED_NOTE in index.message and "SHARE" in index.message


def test_one_unguarded_change_makes_the_migration_an_ordinary_one() -> None:
    findings = run_case([REPAIR + "CREATE INDEX orders_total_idx ON orders (total);\n"])

    assert all(f.severity is not Severity.INFO for f in findings if f.rule == "LK001")


def test_a_concurrent_build_behind_if_not_exists_is_no_guard() -> None:
    # Re-run after a failed build, it keeps the INVALID index: the migration is not safe to re-run.
    findings = run_case(
        [
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS total int;\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);\n"
        ]
    )

    [leftover] = [f for f in findings if f.rule == "LK037"]
    assert leftover.severity is Severity.WARNING and GUARDED_NOTE not in leftover.message
    assert all(GUARDED_NOTE not in f.message for f in findings)
