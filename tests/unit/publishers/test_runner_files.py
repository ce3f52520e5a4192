"""The runner's files and log: step outputs, the job summary, workflow commands."""

from __future__ import annotations

import io
import re
from pathlib import Path

from migration_reviewer.publishers import job_summary, outputs
from migration_reviewer.publishers.log import Log


def test_outputs_use_a_delimiter_no_value_can_contain(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier=1\n")

    outputs.write(str(path), {"verdict": "fail", "note": "two\nlines\nEOF"})

    text = path.read_text()
    blocks = re.findall(r"^(\S+)<<(ghadelimiter_[0-9a-f]{32})\n(.*?)\n\2$", text, re.MULTILINE | re.DOTALL)
    assert text.startswith("earlier=1\n")
    assert [(name, value) for name, _, value in blocks] == [("verdict", "fail"), ("note", "two\nlines\nEOF")]
    assert blocks[0][1] != blocks[1][1]


def test_the_summary_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("# from an earlier command of this step\n")

    job_summary.write(str(path), "## report")

    assert path.read_text() == "# from an earlier command of this step\n## report\n"


def test_repository_text_in_the_log_cannot_issue_workflow_commands() -> None:
    stream = io.StringIO()

    Log(stream).untrusted("db/x.sql\n::add-mask::hunter2\n::error::fake failure")

    lines = stream.getvalue().splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert lines[1:4] == ["db/x.sql", "::add-mask::hunter2", "::error::fake failure"]
    assert lines[4] == f"::{token}::"
