"""GitHub workflow-command annotations (`::error file=…,line=…::message`) for findings.

The runner keeps only the first 10 annotations of each type per step and cuts messages at 4096
characters, so the most severe findings come first and, past the limit, a last annotation of that type
counts the rest. Values are escaped as the Actions toolkit does: a file name with a comma or a colon, or a
message with a newline, cannot end a property or start a new command.
"""

from __future__ import annotations

from collections.abc import Collection

from migration_reviewer.report.model import Report

PER_TYPE = 10
MESSAGE_LIMIT = 4000
_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int | None) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value)
    text = message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"
    return f"::{kind}{' ' + props if props else ''}::{escape_data(text)}"


def render(report: Report, changed_paths: Collection[str]) -> list[str]:
    """One line per annotation, for findings on lines of the files the change touched."""
    lines: list[str] = []
    for severity, kind in _COMMANDS.items():
        # One annotation per statement a finding covers, each on its own line.
        findings = [
            (f, line)
            for f in report.findings
            if f.severity.value == severity and f.path in changed_paths
            for line in f.lines
        ]
        shown = findings if len(findings) <= PER_TYPE else findings[: PER_TYPE - 1]
        for f, line in shown:
            message = f.message + (f"\nFix: {f.fix}" if f.fix else "")
            lines.append(command(kind, message, file=f.path, line=line, title=f"{f.rule} {f.name}"))
        if len(shown) < len(findings):
            rest = len(findings) - len(shown)
            lines.append(command(kind, f"{rest} more {severity} findings: the job summary lists them all"))
    return lines
