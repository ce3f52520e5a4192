"""SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

URIs are repository-relative (the container's /github/workspace means nothing on the host that uploads
the file); rules carry their documentation as help; fingerprints depend on the rule, the file and the
statement, not the line number, so an alert survives lines added above it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.analyzers.registry import find_rule
from migration_reviewer.report.model import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)


def render(report: Report) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: Report) -> dict[str, Any]:
    # Code scanning shows a result only at a place in a file: findings about a whole folder stay in the
    # comment and the summary.
    located = [f for f in report.findings if f.path]
    codes = sorted({f.rule for f in located})
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migration-reviewer",
                        "version": report.tool_version,
                        "rules": [_rule(code, report) for code in codes],
                    }
                },
                "results": [
                    _result(f, codes.index(f.rule), line, statement)
                    for f in located
                    for line, statement in _places(f)
                ],
            }
        ],
    }


def _rule(code: str, report: Report) -> dict[str, Any]:
    spec = find_rule(code)
    finding = next(f for f in report.findings if f.rule == code)
    if spec is None:  # a report from another version of the tool
        return {
            "id": code,
            "name": finding.name,
            "shortDescription": {"text": finding.name},
            "fullDescription": {"text": finding.name},
            "help": {"text": finding.name},
            "defaultConfiguration": {"level": _LEVELS[finding.severity.value]},
        }
    body = spec.doc.split("\n", 1)[1].strip() if "\n" in spec.doc else spec.summary
    return {
        "id": code,
        "name": spec.name,
        "shortDescription": {"text": spec.summary},
        "fullDescription": {"text": _section(spec.doc, "What it does") or spec.summary},
        "help": {"text": body, "markdown": body},
        "defaultConfiguration": {"level": _LEVELS[spec.severity.value]},
        "properties": {"tags": [spec.category.value], "problem.severity": spec.severity.value},
    }


def _section(doc: str, title: str) -> str:
    parts = _HEADING.split(doc)
    for heading, text in zip(parts[1::2], parts[2::2], strict=True):
        if heading.strip() == title:
            return " ".join(text.split())
    return ""


def _places(finding: Finding) -> list[tuple[int | None, str | None]]:
    """(line, statement) of each statement the finding covers: one result each, so code scanning marks
    every line."""
    if not finding.locations:
        return [(finding.line, finding.statement)]
    return [(loc.line, loc.statement) for loc in finding.locations]


def _result(finding: Finding, rule_index: int, line: int | None, statement: str | None) -> dict[str, Any]:
    message = finding.message + (f"\n\nFix: {finding.fix}" if finding.fix else "")
    anchor = statement or finding.message
    digest = hashlib.sha256(f"{finding.rule}\0{finding.path}\0{anchor}".encode()).hexdigest()[:32]
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity.value],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line or 1},
                }
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": f"{digest}:1"},
    }
