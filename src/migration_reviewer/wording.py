"""Small pieces of the sentences every room writes."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """`number` `noun`s, with the noun in the singular for one: "1 migration", "1,000 migrations",
    "3 policies"."""
    if number == 1:
        return f"1 {noun}"
    return f"{number:,} {noun[:-1]}ies" if noun.endswith("y") else f"{number:,} {noun}s"
