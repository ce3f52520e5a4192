"""The versioned JSON report: the contract other tools (and our own tests) read."""

from __future__ import annotations

import json

from migration_reviewer.report.model import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
