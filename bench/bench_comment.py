"""Size of the pull-request comment and number of findings, for the golden scenarios and a large change.

    python bench/bench_comment.py [--dump FOLDER]

Each golden scenario (tests/scenarios) is reviewed on the embedded PostgreSQL as its test does; the large
change is one golang-migrate migration that adds a foreign key (column, constraint, index) to eight
existing tables. Prints one row per review: findings, characters of the comment (without and with links to
the lines, as the action posts it), of the job summary;
`--dump` also writes each comment to FOLDER.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from gitrepo import git, make_repo  # noqa: E402
from migration_reviewer.config import load_settings  # noqa: E402
from migration_reviewer.pipeline import review  # noqa: E402
from migration_reviewer.renderers import comment  # noqa: E402

CHILD_TABLES = ("orders", "items", "invoices", "payments", "shipments", "refunds", "notes", "events")


def eight_foreign_keys() -> tuple[dict[str, str | bytes | None], dict[str, str | bytes | None]]:
    """A base with `accounts` and eight tables; a change giving each of them an indexed account_id key."""
    tables = "\n".join(f"CREATE TABLE {t} (id bigint PRIMARY KEY, body text);" for t in CHILD_TABLES)
    base: dict[str, str | bytes | None] = {
        "db/migrations/001_init.up.sql": f"CREATE TABLE accounts (id bigint PRIMARY KEY);\n{tables}\n",
        "db/migrations/001_init.down.sql": "DROP TABLE accounts;\n",
    }
    up = "".join(
        f"ALTER TABLE {t} ADD COLUMN account_id bigint;\n"
        f"ALTER TABLE {t} ADD CONSTRAINT {t}_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);\n"
        f"CREATE INDEX {t}_account_id_idx ON {t} (account_id);\n"
        for t in CHILD_TABLES
    )
    down = "".join(f"ALTER TABLE {t} DROP COLUMN account_id;\n" for t in CHILD_TABLES)
    head: dict[str, str | bytes | None] = {
        "db/migrations/002_account_keys.up.sql": up,
        "db/migrations/002_account_keys.down.sql": down,
    }
    return base, head


def _tree(folder: Path) -> dict[str, str | bytes | None]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def measure(
    name: str,
    base: dict[str, str | bytes | None],
    head: dict[str, str | bytes | None],
    flags: dict[str, object],
    scratch: Path,
    dump: Path | None,
) -> str:
    repo = make_repo(scratch / name, base, head)
    git(repo, "checkout", "-q", "feature")
    report = review(load_settings(str(repo), {"base": "main", "head": "feature", **flags}, environ={}))
    text = comment.render_comment(report)
    summary = comment.render_summary(report)
    # As the action posts it: each line number a link to the file at the head commit.
    blob = getattr(comment, "blob_url", None)
    linked = (
        comment.render_comment(report, blob=blob("https://github.com", "octo/shop", report.head))
        if blob
        else ""
    )
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
        (dump / f"{name.replace(' ', '_')}.md").write_text(text)
    return f"| {name} | {len(report.findings)} | {len(text):,} | {len(linked):,} | {len(summary):,} |"


def main() -> None:
    dump = Path(sys.argv[sys.argv.index("--dump") + 1]) if "--dump" in sys.argv else None
    rows = [
        "| review | findings | comment (chars) | with line links | job summary (chars) |",
        "|---|---:|---:|---:|---:|",
    ]
    scenarios = ROOT / "tests" / "scenarios"
    with tempfile.TemporaryDirectory() as scratch:
        for folder in sorted(p for p in scenarios.iterdir() if (p / "base").is_dir()):
            spec = (
                tomllib.loads((folder / "scenario.toml").read_text())
                if (folder / "scenario.toml").exists()
                else {}
            )
            head = _tree(folder / "head")
            for path in spec.get("delete", []):
                head[path] = None
            rows.append(
                measure(folder.name, _tree(folder / "base"), head, spec.get("flags", {}), Path(scratch), dump)
            )
            print(rows[-1], file=sys.stderr)
        base, head = eight_foreign_keys()
        rows.append(measure("8 foreign keys on 8 tables", base, head, {}, Path(scratch), dump))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
