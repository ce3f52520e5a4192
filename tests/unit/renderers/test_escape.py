from migration_reviewer.renderers import escape


def test_text_neutralises_markdown_html_and_mentions() -> None:
    hostile = "<img src=x onerror=alert(1)> [click](https://evil) @org/team **bold**\nnext | cell"
    out = escape.text(hostile)
    assert "<img" not in out and "&lt;img" in out
    assert "[click](" not in out and "\\[click\\]" in out
    assert "https://" not in out  # no autolink
    assert "@org" not in out  # a word joiner sits between @ and the name
    assert "\n" not in out
    assert "\\|" in out and "\\*\\*bold\\*\\*" in out


def test_code_span_holds_backticks_and_pipes_in_tables() -> None:
    assert escape.code("a`b") == "``a`b``"
    assert escape.code("`x`") == "`` `x` ``"
    assert escape.code("a|b", in_table=True) == "`a\\|b`"


def test_code_block_fence_cannot_be_closed_from_inside() -> None:
    block = escape.code_block("SELECT 1;\n```\n@everyone")
    fence = block.splitlines()[0].removesuffix("sql")
    assert len(fence) == 4
    assert block.endswith("\n" + fence)


def test_control_characters_are_removed() -> None:
    assert escape.text("a\x1b[31mb\u202ec") == "a\\[31mbc"
    assert escape.terminal("x\x1b[2Jy") == "x[2Jy"
