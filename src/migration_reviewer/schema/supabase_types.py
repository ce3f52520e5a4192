"""The tables and columns a Supabase-generated `database.types.ts` holds
(`Database[schema]['Tables'][table]['Row']`): what the application's types say the database looks like."""

from __future__ import annotations

import re

from migration_reviewer.schema.declared import DeclaredColumn, DeclaredTable, closing, line_of

_SCHEMA = re.compile(r"""["']?(\w+)["']?\s*:\s*\{\s*Tables\s*:\s*\{""")
_TABLE = re.compile(r"""["']?(\w+)["']?\s*:\s*\{\s*Row\s*:\s*\{""")
_COLUMN = re.compile(r"""^\s*["']?(\w+)["']?\??\s*:\s*(.+?)\s*;?\s*$""", re.M)


def looks_generated(text: str) -> bool:
    return "Tables:" in text and "Row:" in text


def parse_supabase_types(text: str) -> list[DeclaredTable]:
    tables = []
    for schema in _SCHEMA.finditer(text):
        tables_start = schema.end() - 1
        tables_end = closing(text, tables_start)
        for table in _TABLE.finditer(text, tables_start, tables_end):
            row_start = table.end() - 1
            row = text[row_start + 1 : closing(text, row_start)]
            columns = tuple(
                DeclaredColumn(column[1], bool(re.search(r"\|\s*null\b|\bnull\s*\|", column[2])),
                               line_of(text, row_start + 1 + column.start(1)))
                for column in _COLUMN.finditer(row)
            )
            tables.append(DeclaredTable(table[1], columns, line_of(text, table.start()), schema[1]))
    return tables
