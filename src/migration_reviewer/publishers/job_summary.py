"""The job summary: Markdown appended to the file the runner names in GITHUB_STEP_SUMMARY (one file per
step; the runner uploads it when the step ends). Needs no token, so it works for every event and for pull
requests from forks."""

from __future__ import annotations

from pathlib import Path


def write(path: str, markdown: str) -> None:
    with Path(path).open("a", encoding="utf-8") as summary:
        summary.write(markdown if markdown.endswith("\n") else markdown + "\n")
