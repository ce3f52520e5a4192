"""File and object names written to attack the report: Markdown, HTML, newlines, control characters,
@mentions and very long identifiers. Nothing of them may act in the comment or the terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitrepo import make_repo
from migration_reviewer.cli import main

HOSTILE_FILE = "db/migrations/002_x@everyone <b>hi<!-- #1 [a](javascript:alert) \x1b[31m.up.sql"
HOSTILE_TABLE = 'x|y</details>@org/team\x1b[31mRED\n`tick`|' + "l" * 200
MIGRATION = (
    f'CREATE TABLE "{HOSTILE_TABLE}" (id int);\nALTER TABLE "{HOSTILE_TABLE}" ADD "@all | <img>" int;\n'
)
# Inline code spans (any fence length) and fenced blocks: GitHub renders nothing inside them.
CODE = re.compile(r"^(`{3,})[^\n]*\n.*?^\1$|(`+)(?!`).*?(?<!`)\2(?!`)", re.DOTALL | re.MULTILINE)


def review(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> str:
    repo = make_repo(tmp_path / fmt, {"db/migrations/001_t.up.sql": "CREATE TABLE t (id int);\n"},
                     {HOSTILE_FILE: MIGRATION})
    main(["review", "--repo", str(repo), "--base", "main", "--head", "feature", "--seed-rows", "0",
          "--format", fmt, "--fail-on", "never"])
    return capsys.readouterr().out


def test_hostile_names_do_not_act_in_the_comment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    comment = review(tmp_path, capsys, "markdown")
    assert "x\\|y&lt;/details&gt;@\u2060org" in comment or "x\\|y</details>@org" in comment  # shown…
    assert "\x1b" not in comment
    prose = CODE.sub("", comment)  # …and outside code, none of them is markup
    assert "<b>hi" not in prose and "<img>" not in prose and "<!--  #" not in prose
    assert prose.count("</details>") == prose.count("<details>")
    assert not re.search(r"@(everyone|org|all)\b", prose)
    # Markdown is not read inside an HTML block (the <summary> lines): links only matter elsewhere.
    assert "](javascript:" not in "\n".join(line for line in prose.splitlines() if not line.startswith("<"))
    tables = re.findall(r"(?:^\|.*\|$\n?)+", comment, re.MULTILINE)
    assert tables
    for table in tables:  # every row keeps the header's cells: no pipe from a name split one
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(cells) == 1, table


def test_hostile_names_cannot_repaint_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = review(tmp_path, capsys, "terminal")
    assert "002_x@everyone" in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out)
