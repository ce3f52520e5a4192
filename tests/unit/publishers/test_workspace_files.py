"""The JSON report and SARIF the action writes into the checkout belong to the checkout's owner: the
action runs as root, the job's later steps as the runner's user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migration_reviewer.publishers import workspace_files

RUNNER_UID = 1001


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another user needs root")
def test_a_file_and_the_folders_made_for_it_belong_to_the_owner_of_the_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "reports").mkdir(parents=True)
    os.chown(checkout, RUNNER_UID, RUNNER_UID)  # "reports" stays root's: it was there before

    workspace_files.write(checkout / "reports" / "ci" / "review.json", "{}", checkout)

    owners = {str(p.relative_to(checkout)): p.stat().st_uid for p in checkout.rglob("*")}
    assert owners == {"reports": 0, "reports/ci": RUNNER_UID, "reports/ci/review.json": RUNNER_UID}
    assert (checkout / "reports" / "ci" / "review.json").read_text() == "{}"


def test_as_anyone_the_file_is_written_where_asked(tmp_path: Path) -> None:
    workspace_files.write(tmp_path / "a" / "b.json", "[]", tmp_path)
    assert (tmp_path / "a" / "b.json").read_text() == "[]"
