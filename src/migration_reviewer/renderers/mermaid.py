"""A Mermaid `erDiagram` of the tables a change touches and their foreign-key neighbours.

Names come from the repository, and Mermaid's grammar is narrow: entity names are quoted (so any letters
may appear), attribute words are reduced to the characters the grammar accepts, and characters that could
close a quote, open HTML or start a mention are replaced. The exact names are in the schema tables of the
same comment; the diagram shows the shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from migration_reviewer.report.model import ReferenceView, TableView

MAX_COLUMNS = 25  # per table; the rest are counted in one line

_LABEL_UNSAFE = re.compile(r"[^\w .$-]")
_WORD_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")
_TYPE_UNSAFE = re.compile(r"[^A-Za-z0-9_()\[\]]+")
_MARK = {"added": "added", "changed": "changed", "dropped": "dropped", "renamed": "renamed"}


def er_diagram(tables: Sequence[TableView]) -> str | None:
    """The diagram's Mermaid source, or None when no table changed."""
    if not any(t.change for t in tables):
        return None
    names = {t.name: _entity(t) for t in tables}
    lines = ["erDiagram"]
    for table in tables:
        lines.append(f"    {names[table.name]} {{")
        for column in table.columns[:MAX_COLUMNS]:
            keys = f" {','.join(column.keys)}" if column.keys else ""
            note = f' "{column.change}"' if column.change else ""
            lines.append(f"        {_type(column.type)} {_word(column.name)}{keys}{note}")
        hidden = len(table.columns) - MAX_COLUMNS
        if hidden > 0:
            lines.append(f'        more columns_{hidden} "not shown"')
        lines.append("    }")
    for table in tables:
        for reference in table.references:
            if reference.table in names:
                child, parent = names[table.name], names[reference.table]
                lines.append(f"    {child} {_relation(reference)} {parent} : {_label(reference)}")
    return "\n".join(lines)


def _entity(table: TableView) -> str:
    label = _LABEL_UNSAFE.sub("_", table.name)
    return f'"{label} ({_MARK[table.change]})"' if table.change else f'"{label}"'


def _word(value: str) -> str:
    word = _WORD_UNSAFE.sub("_", value).strip("_") or "_"
    return word if word[0].isalpha() else f"_{word}"


def _type(value: str) -> str:
    word = _TYPE_UNSAFE.sub("_", value).strip("_") or "unknown"
    return word if word[0].isalpha() else f"t_{word}"


def _relation(reference: ReferenceView) -> str:
    # Many rows of the child reference one parent row; a nullable key may reference none.
    line = ".." if reference.change == "dropped" else "--"
    return f"}}o{line}{'o|' if reference.optional else '||'}"


def _label(reference: ReferenceView) -> str:
    columns = ", ".join(_word(c) for c in reference.columns)
    suffix = f" ({reference.change})" if reference.change else ""
    return f'"{columns}{suffix}"'
