"""The tables and columns a Drizzle `schema.ts` declares, where it is simple enough to read without running
TypeScript: `pgTable("name", { key: builder("column", …).notNull(), … })` (and sqliteTable, mysqlTable).

A column's name is the builder's first string argument, else its key; `.notNull()` and `.primaryKey()`
make it NOT NULL. Tables built any other way (a helper function, a spread) are left out, and a column
spread into a table makes that table unknown rather than wrong.
"""

from __future__ import annotations

import re

from migration_reviewer.schema.declared import (
    DeclaredColumn,
    DeclaredTable,
    closing,
    line_of,
    top_level_parts,
)

_TABLE = re.compile(r"""\b(?:pg|sqlite|mysql)Table\(\s*(["'`])([^"'`]+)\1\s*,\s*\{""")
_ENTRY = re.compile(r"""^\s*(?:["']?(\w+)["']?)\s*:\s*\w+\(\s*(?:(["'`])([^"'`]+)\2)?""")


def parse_drizzle(text: str) -> list[DeclaredTable] | None:
    """None when the file declares tables in a way this reader does not follow."""
    tables = []
    for match in _TABLE.finditer(text):
        start = match.end() - 1
        body = text[start + 1 : closing(text, start)]
        columns = []
        for offset, part in top_level_parts(body):
            if not part.strip() or part.strip().startswith("//"):
                continue
            entry = _ENTRY.match(part)
            if entry is None:
                return None  # a spread or computed key: the columns are not all visible here
            not_null = ".notNull()" in part or ".primaryKey()" in part
            leading = len(part) - len(part.lstrip())
            columns.append(DeclaredColumn(entry[3] or entry[1], not not_null,
                                          line_of(text, start + 1 + offset + leading)))
        tables.append(DeclaredTable(match[2], tuple(columns), line_of(text, match.start())))
    return tables
