"""The tables and columns a `schema.prisma` declares, read from the file (the Prisma CLI needs the network
to start, and the review has none to spare).

A model is a table (`@@map` renames it, `@@schema` places it, `@@ignore` leaves it out); a field is a
column when its type is a scalar or an enum, not another model (a relation); `?` makes it nullable,
`@map` renames it.
"""

from __future__ import annotations

import re

from migration_reviewer.schema.declared import DeclaredColumn, DeclaredTable, line_of
from migration_reviewer.schema.model import PUBLIC

_BLOCK = re.compile(r"^[ \t]*(model|enum|view|type)[ \t]+(\w+)[ \t]*\{(.*?)^[ \t]*\}", re.M | re.S)
_FIELD = re.compile(r"^[ \t]*(\w+)[ \t]+(\w+(?:\([^)]*\))?)(\[\])?(\?)?(.*)$", re.M)
_MAP = re.compile(r"""@map\(\s*(?:name:\s*)?"([^"]+)"\s*\)""")
_TABLE_MAP = re.compile(r"""@@map\(\s*(?:name:\s*)?"([^"]+)"\s*\)""")
_SCHEMA = re.compile(r"""@@schema\(\s*"([^"]+)"\s*\)""")


def parse_prisma(text: str) -> list[DeclaredTable]:
    text = re.sub(r"//[^\n]*", lambda m: " " * len(m.group()), text)  # comments, keeping offsets
    blocks = list(_BLOCK.finditer(text))
    models = {b[2] for b in blocks if b[1] in ("model", "view", "type")}
    tables = []
    for block in blocks:
        body = block[3]
        if block[1] != "model" or "@@ignore" in body:
            continue
        mapped, schema = _TABLE_MAP.search(body), _SCHEMA.search(body)
        columns = []
        for field in _FIELD.finditer(body):
            name, kind, is_list, optional, rest = field.groups()
            if kind in models or "@ignore" in rest or "@relation" in rest:
                continue
            column = _MAP.search(rest)
            columns.append(DeclaredColumn(
                column[1] if column else name,
                None if is_list else optional is not None,
                line_of(text, block.start(3) + field.start()),
            ))
        tables.append(DeclaredTable(mapped[1] if mapped else block[2], tuple(columns),
                                    line_of(text, block.start()), schema[1] if schema else PUBLIC))
    return tables
