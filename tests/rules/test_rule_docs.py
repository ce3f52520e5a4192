"""Every rule's docstring has the fixed headings, documents its options, and — for rules that run on
SQL alone — its Example fires the rule while its Use instead stays quiet. docs/rules/ matches the
docstrings."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from migration_reviewer.analyzers.registry import RuleSpec, iter_specs
from rules.harness import run_case

REQUIRED = ["What it does", "Why is this risky?", "Example", "Use instead"]
OPTIONAL = re.compile(r"^(Fix in .+|Options|Known problems|References)$")
HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)
SPECS = list(iter_specs())
LINTABLE = [spec for spec in SPECS if spec.lintable]
# Rules about the runner's own transaction: their examples are migrations a runner wraps (dbmate, Supabase).
WRAPPED_EXAMPLES = {"LK038"}


def sections(spec: RuleSpec) -> dict[str, str]:
    parts = HEADING.split(spec.doc)
    return {title.strip(): text for title, text in zip(parts[1::2], parts[2::2], strict=True)}


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.code)
def test_headings(spec: RuleSpec) -> None:
    found = list(sections(spec))
    assert spec.summary and not spec.summary.startswith("#"), "the first line is a one-line summary"
    assert found[: len(REQUIRED)] == REQUIRED, found
    assert all(OPTIONAL.match(title) for title in found[len(REQUIRED) :]), found
    if spec.options:
        options = sections(spec).get("Options", "")
        assert all(f"`{key}`" in options for key in spec.options), "each option is documented"


@pytest.mark.parametrize("spec", LINTABLE, ids=lambda spec: spec.code)
def test_example_fires_and_use_instead_is_quiet(spec: RuleSpec) -> None:
    text = sections(spec)
    example, instead = SQL_BLOCK.findall(text["Example"]), SQL_BLOCK.findall(text["Use instead"])
    assert example and instead, "both sections hold a ```sql block"
    wrapping = "per-migration" if spec.code in WRAPPED_EXAMPLES else "none"
    assert spec.code in [f.rule for f in run_case(example, wrapping=wrapping)], "the Example must fire"
    assert spec.code not in [f.rule for f in run_case(instead, wrapping=wrapping)], "Use instead stays quiet"


def test_docs_are_generated_from_the_docstrings() -> None:
    script = Path(__file__).parents[2] / "scripts" / "gen_docs.py"
    loader = importlib.util.spec_from_file_location("gen_docs", script)
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    docs = Path(__file__).parents[2] / "docs" / "rules"
    for name, text in module.render_all().items():
        assert (docs / name).read_text() == text, f"docs/rules/{name}: run python scripts/gen_docs.py"


def test_the_rule_index_names_every_rule_in_the_registrys_order() -> None:
    # In a fresh process: the registry's order is the order the rule modules load in, which this test
    # module's imports may have changed. `lint` and find_rule load rules by this index alone.
    index = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from migration_reviewer.analyzers.registry import index_source; "
            "sys.stdout.write(index_source())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    written = Path(__file__).parents[2] / "src" / "migration_reviewer" / "analyzers" / "rule_index.py"
    assert written.read_text() == index, "rule_index.py: run python scripts/gen_docs.py"
