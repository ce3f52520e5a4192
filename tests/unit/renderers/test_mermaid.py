"""The schema diagram's Mermaid source: what changed is marked, repository names cannot break out."""

from __future__ import annotations

from migration_reviewer.renderers.mermaid import MAX_COLUMNS, er_diagram
from migration_reviewer.report.model import ColumnView, ReferenceView, TableView


def test_changes_are_marked_on_tables_columns_and_keys() -> None:
    tables = (
        TableView(
            "orders",
            "changed",
            (
                ColumnView("id", "bigint", ("PK",)),
                ColumnView("customer_id", "bigint", ("FK",), "added"),
                ColumnView("total", "numeric(10,2)", (), "changed"),
                ColumnView("note", "character varying(50)", (), "dropped"),
            ),
            (ReferenceView(("customer_id",), "customers", "added", optional=True),),
        ),
        TableView("customers", None, (ColumnView("id", "bigint", ("PK",)),)),
        TableView("legacy", "dropped", (ColumnView("id", "integer", ("PK",)),)),
    )

    assert er_diagram(tables) == "\n".join(
        [
            "erDiagram",
            '    "orders (changed)" {',
            "        bigint id PK",
            '        bigint customer_id FK "added"',
            '        numeric(10_2) total "changed"',
            '        character_varying(50) note "dropped"',
            "    }",
            '    "customers" {',
            "        bigint id PK",
            "    }",
            '    "legacy (dropped)" {',
            "        integer id PK",
            "    }",
            '    "orders (changed)" }o--o| "customers" : "customer_id (added)"',
        ]
    )


def test_hostile_names_cannot_close_quotes_or_add_lines() -> None:
    tables = (TableView('x" }\n%%{init}%%', "added", (ColumnView('a"\nb', 'text"}', ()),)),)

    diagram = er_diagram(tables)

    assert diagram is not None
    assert diagram.splitlines() == [
        "erDiagram",
        '    "x_ _____init___ (added)" {',
        "        text a_b",
        "    }",
    ]


def test_no_changed_table_means_no_diagram_and_long_tables_are_cut_short() -> None:
    assert er_diagram((TableView("customers", None, ()),)) is None

    wide = TableView("wide", "added", tuple(ColumnView(f"c{n}", "int") for n in range(40)))
    diagram = er_diagram((wide,))
    assert diagram is not None and f'more columns_{40 - MAX_COLUMNS} "not shown"' in diagram
