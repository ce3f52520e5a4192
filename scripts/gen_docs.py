"""Writes docs/rules/ from the rules' docstrings: one page per rule and an index; and the registry's
index of rule modules (src/migration_reviewer/analyzers/rule_index.py).

    python scripts/gen_docs.py          # rewrite the pages
    python scripts/gen_docs.py --check  # exit 1 when a page is out of date (CI)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migration_reviewer.analyzers.registry import RuleSpec, index_source, iter_specs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules"
RULE_INDEX = ROOT / "src" / "migration_reviewer" / "analyzers" / "rule_index.py"

_FAMILIES = {
    "LK": "Lock risk",
    "BF": "Backfill and data",
    "RB": "Rollback",
    "RP": "Replay failures",
    "DR": "Drift",
    "SD": "Schema design",
    "SC": "Security",
    "SP": "Suppressions",
}


def page_name(spec: RuleSpec) -> str:
    return f"{spec.code}-{spec.name}.md"


def render_page(spec: RuleSpec) -> str:
    summary, _, body = spec.doc.partition("\n")
    facts = [
        f"- Category: {spec.category.value}",
        f"- Default severity: {spec.severity.value}",
        f"- Dialects: {', '.join(sorted(spec.dialects))}",
        f"- Runs in `migration-reviewer lint`: {'yes' if spec.lintable else 'no (needs the replay)'}",
    ]
    for key, option in spec.options.items():
        facts.append(f"- Option `{key}` (default `{option.default}`): {option.help}")
    return f"# {spec.code} {spec.name}\n\n{summary}\n\n" + "\n".join(facts) + f"\n\n{body.strip()}\n"


def render_index(specs: list[RuleSpec]) -> str:
    lines = [
        "# Rules",
        "",
        "Generated from the rules' docstrings by `scripts/gen_docs.py`: edit the docstrings, not these",
        "pages.",
        "",
        "Configure a rule by code or name under `[tool.migration-reviewer.rules]` (`LK013 = \"off\"`,",
        '`LK001 = "error"`, `missing-lock-timeout = { max-lock-timeout = 5 }`), or silence it on one',
        "statement with `-- migration-reviewer: ignore LK001 -- reason` above the statement",
        "(`ignore-file` for the whole file).",
    ]
    family = None
    for spec in specs:
        if spec.code[:2] != family:
            family = spec.code[:2]
            lines += ["", f"## {_FAMILIES.get(family, family)}", ""]
            lines += ["| Code | Name | Severity | What |", "|---|---|---|---|"]
        lines.append(
            f"| [{spec.code}]({page_name(spec)}) | {spec.name} | {spec.severity.value} | {spec.summary} |"
        )
    return "\n".join(lines) + "\n"


def render_all() -> dict[str, str]:
    specs = list(iter_specs())
    pages = {page_name(spec): render_page(spec) for spec in specs}
    pages["README.md"] = render_index(specs)
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only check that the pages are up to date")
    args = parser.parse_args()
    index = index_source()  # first: the registry's order is the order the rule modules load in
    index_stale = not RULE_INDEX.is_file() or RULE_INDEX.read_text() != index
    pages = render_all()
    stale = sorted(
        name
        for name, text in pages.items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text() != text
    )
    extra = sorted(p.name for p in DOCS.glob("*.md") if p.name not in pages)
    if args.check:
        for name in stale + extra:
            print(f"docs/rules/{name} is out of date: run python scripts/gen_docs.py", file=sys.stderr)
        if index_stale:
            print(f"{RULE_INDEX.name} is out of date: run python scripts/gen_docs.py", file=sys.stderr)
        return 1 if stale or extra or index_stale else 0
    if index_stale:
        RULE_INDEX.write_text(index)
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (DOCS / name).write_text(pages[name])
    for name in extra:
        (DOCS / name).unlink()
    print(f"docs/rules: {len(stale)} written, {len(extra)} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
