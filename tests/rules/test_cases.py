"""One test per case in cases/<CODE>.yaml: a migration (and optionally the base schema it runs on) and
the findings of that rule it must produce.

Case keys: `name`, `migration` (SQL) or `migrations` (one SQL text per file, in order), `expect` (codes,
one per finding), optional `setup` (base schema: the case is then replayed on the embedded server),
`wrapping`, `framework`, `platform`, `pg_version`, `table_rows`, `rules` (code → "off" or a severity), `only`
(the codes compared, default the file's), `confirmed` (every finding's confirmed_by_replay),
`severity` (every finding's), `message` and `fix` (a text every finding's message, or fix, contains),
`lines` (the lines of the statements every finding covers: one finding per rule per file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_reviewer.replay.providers.base import Server
from rules.harness import run_case

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            marks = [pytest.mark.postgres] if "setup" in case else []
            params.append(pytest.param(path.stem, case, id=f"{path.stem}-{case['name']}", marks=marks))
    return params


@pytest.mark.parametrize(("code", "case"), _cases())
def test_case(code: str, case: dict[str, Any], request: pytest.FixtureRequest) -> None:
    server: Server | None = request.getfixturevalue("server") if "setup" in case else None
    findings = run_case(
        case.get("migrations") or [case["migration"]],
        setup=case.get("setup"),
        server=server,
        wrapping=case.get("wrapping", "none"),
        framework=case.get("framework", "plain-sql"),
        platform=case.get("platform"),
        pg_version=case.get("pg_version"),
        table_rows=case.get("table_rows"),
        rules=case.get("rules"),
    )
    compared = set(case.get("only", [code]))
    got = [f for f in findings if f.rule in compared]
    assert sorted(f.rule for f in got) == sorted(case["expect"]), [f.message for f in findings]
    for finding in got:
        if "confirmed" in case:
            assert finding.confirmed_by_replay is case["confirmed"], finding.message
        if "severity" in case:
            assert finding.severity.value == case["severity"], finding.message
        if "message" in case:
            assert case["message"] in finding.message, finding.message
        if "lines" in case:
            assert list(finding.lines) == case["lines"], finding.message
        if "fix" in case:
            assert case["fix"] in (finding.fix or ""), finding.fix
