from __future__ import annotations

from migration_reviewer.adapters._common import first_changed_line, natural_key, split_lines
from migration_reviewer.adapters.base import SqlScript


def s(text: str, first_line: int = 1) -> SqlScript:
    return SqlScript("f.sql", text, first_line)


def test_natural_key_orders_numbers_as_numbers() -> None:
    names = ["10_c.sql", "2_b.sql", "1_a.sql", "readme.sql", "1_a_more.sql"]
    assert sorted(names, key=natural_key) == ["1_a.sql", "1_a_more.sql", "2_b.sql", "10_c.sql", "readme.sql"]


def test_first_changed_line() -> None:
    assert first_changed_line([s("a\nb\n")], [s("a\nb\n")]) is None
    assert first_changed_line([s("a\nb\n")], [s("a\nc\n")]) == 2
    # an added last line points at itself, not at the line before it whose ending changed
    assert first_changed_line([s("a")], [s("a\nb")]) == 2
    assert first_changed_line([s("a\n")], [s("a\r\n")]) == 1
    # chunks keep their own file lines
    assert first_changed_line([s("a\n"), s("b\n", 3)], [s("a\n"), s("x\n", 3)]) == 3
    assert first_changed_line([s("a\n")], [s("a\n"), s("b\n", 3)]) == 3
    assert first_changed_line([s("a\n"), s("b\n", 3)], [s("a\nz\n")]) == 2


def test_split_lines_ends_lines_at_newlines_only() -> None:
    assert split_lines("a\n'b\x0cc'\r\nd") == ["a\n", "'b\x0cc'\r\n", "d"]
    assert split_lines("a\n") == ["a\n"]
    assert split_lines("") == []
