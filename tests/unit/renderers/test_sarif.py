"""SARIF for code scanning: what upload-sarif needs, with stable fingerprints."""

from __future__ import annotations

import json

from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.renderers import sarif
from report_samples import PATH, finding, report


def test_results_point_at_repository_relative_files_with_rule_help_from_the_docs() -> None:
    located = finding(line=7)
    folder_wide = finding("the whole set could not be replayed", path=None, line=None, rule="RP003")
    warning = finding("takes a lock", rule="RP001", severity=Severity.WARNING, line=9)

    document = json.loads(sarif.render(report((located, warning, folder_wide))))

    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-2.1.0.json")
    run = document["runs"][0]
    [rule] = run["tool"]["driver"]["rules"]
    assert rule["id"] == "RP001" and rule["name"] == "migration-fails"
    assert "## Why is this risky?" in rule["help"]["markdown"]
    assert rule["fullDescription"]["text"].startswith("Replays the base history")
    results = run["results"]
    assert [(r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        ("error", 7),
        ("warning", 9),
    ]
    location = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": PATH, "uriBaseId": "%SRCROOT%"}
    assert results[0]["message"]["text"].endswith("Fix: guard it with IF NOT EXISTS")


def test_the_fingerprint_survives_lines_added_above_the_statement() -> None:
    before = sarif.to_sarif(report((finding(line=3),)))["runs"][0]["results"][0]
    after = sarif.to_sarif(report((finding(line=30),)))["runs"][0]["results"][0]
    other = sarif.to_sarif(report((finding(line=3, statement="DROP TABLE x"),)))["runs"][0]["results"][0]

    assert before["partialFingerprints"] == after["partialFingerprints"]
    assert before["partialFingerprints"] != other["partialFingerprints"]
