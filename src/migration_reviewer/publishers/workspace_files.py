"""Files the action writes into the checkout (the JSON report, SARIF). The action's container runs as
root while the checkout belongs to the runner's user: what it leaves there must belong to that user too,
or the job's later steps (and the runner's cleanup of the workspace) cannot change or remove it."""

from __future__ import annotations

import os
from pathlib import Path


def write(path: Path, text: str, workspace: Path) -> None:
    """Writes `text` to `path` (inside `workspace`), creating its folders; as root, hands the file and
    the folders it created to the owner of `workspace`."""
    created = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    owner = workspace.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    for made in (path, *created):
        os.chown(made, owner.st_uid, owner.st_gid)
