from __future__ import annotations

from migration_reviewer.adapters import detect_sets
from migration_reviewer.adapters.alembic import AlembicAdapter
from migration_reviewer.adapters.base import Dialect, MigrationStatus, ProblemKind, Wrapping

from ._trees import changes, tree

ADAPTER = AlembicAdapter()
INI = "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://localhost/app\n"


def revision(rev: str, down: str | tuple[str, ...] | None, body: str = "op.execute('SELECT 1')") -> str:
    return (
        f"from alembic import op\n\nrevision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
    )


BASE = {
    "alembic.ini": INI,
    "migrations/env.py": "from alembic import context\n",
    # File names do not order revisions: the graph does.
    "migrations/versions/zz_first.py": revision("aaa", None),
    "migrations/versions/aa_second.py": revision("bbb", "aaa"),
}


def load(head: dict[str, str], base: dict[str, str] = BASE):  # type: ignore[no-untyped-def]
    return ADAPTER.load("migrations", changes(base, head))


def test_finds_script_location_and_orders_by_the_graph() -> None:
    assert detect_sets(tree(BASE)) == [("alembic", "migrations")]
    head = {**BASE, "migrations/versions/00_third.py": revision("ccc", "bbb")}
    migration_set = load(head)
    assert [m.id for m in migration_set.head_migrations] == ["aaa", "bbb", "ccc"]
    assert [m.id for m in migration_set.new_migrations] == ["ccc"]
    assert migration_set.dialect is Dialect.POSTGRESQL
    assert migration_set.runner is not None and migration_set.runner.base_heads == ("bbb",)
    assert migration_set.new_migrations[0].wrapping is Wrapping.BATCH
    assert not migration_set.problems


def test_version_locations_and_transaction_per_migration() -> None:
    ini = "[alembic]\nscript_location = db\nversion_locations = db/a db/b\n"
    files = {
        "alembic.ini": ini,
        "db/env.py": "context.configure(connection=c, transaction_per_migration=True)\n",
        "db/a/one.py": revision("one", None),
        "db/b/two.py": revision("two", "one"),
    }
    migration_set = ADAPTER.load("db", changes({}, files))
    assert [m.id for m in migration_set.new_migrations] == ["one", "two"]
    assert migration_set.new_migrations[0].wrapping is Wrapping.PER_MIGRATION


def test_two_heads_without_a_merge_is_a_problem_and_a_merge_fixes_it() -> None:
    head = {**BASE, "migrations/versions/x.py": revision("x", "aaa")}
    [problem] = load(head).problems
    assert problem.kind is ProblemKind.INVALID
    assert "2 heads (bbb, x)" in problem.message and "alembic merge heads" in problem.message
    assert problem.path == "migrations/versions/x.py"
    merged = {**head, "migrations/versions/m.py": revision("m", ("bbb", "x"), "pass")}
    migration_set = load(merged)
    assert not migration_set.problems
    assert [m.id for m in migration_set.new_migrations][-1] == "m"
    assert migration_set.new_migrations[-1].down is not None  # an empty merge needs no downgrade


def test_down_revision_pointing_nowhere_and_a_cycle() -> None:
    head = {**BASE, "migrations/versions/x.py": revision("x", "nope")}
    [problem] = load(head).problems
    assert "down_revision 'nope'" in problem.message and problem.line == 4
    cycle = {**BASE, "migrations/versions/zz_first.py": revision("aaa", "bbb")}
    [problem] = load(cycle).problems
    assert "Cycle is detected" in problem.message and problem.path == "migrations/versions/zz_first.py"


def test_edited_and_deleted_revisions() -> None:
    head = {**BASE, "migrations/versions/aa_second.py": revision("bbb", "aaa", "op.drop_table('x')")}
    migration_set = load(head)
    statuses = [m.status for m in migration_set.head_migrations]
    assert statuses == [MigrationStatus.BASE, MigrationStatus.MODIFIED]
    [edited] = migration_set.problems
    assert edited.kind is ProblemKind.EDITED_APPLIED and edited.line == 8
    gone = {k: v for k, v in BASE.items() if not k.endswith("aa_second.py")}
    [deleted] = load(gone).problems
    assert deleted.kind is ProblemKind.DELETED_APPLIED and "bbb" in deleted.message


def test_one_ini_with_a_tree_per_database() -> None:
    ini = (
        "[main]\nscript_location = db/main\nsqlalchemy.url = postgresql://localhost/app\n\n"
        "[reports]\nscript_location = db/reports\nsqlalchemy.url = sqlite:///reports.db\n"
    )
    files = {
        "alembic.ini": ini,
        "db/main/versions/a.py": revision("a", None),
        "db/reports/versions/r.py": revision("r", None),
    }
    assert detect_sets(tree(files)) == [("alembic", "db/main"), ("alembic", "db/reports")]
    main, reports = (ADAPTER.load(root, changes({}, files)) for root in ("db/main", "db/reports"))
    assert (main.dialect, reports.dialect) == (Dialect.POSTGRESQL, Dialect.SQLITE)
    assert main.runner is not None and main.runner.section == "main"
    assert [m.id for m in reports.new_migrations] == ["r"]
    assert reports.new_migrations[0].wrapping is Wrapping.NONE  # no transactional DDL: Alembic runs it bare


def test_here_in_an_ini_inside_a_subfolder_is_that_folder() -> None:
    files = {
        "backend/alembic.ini": INI,  # script_location = %(here)s/migrations
        "backend/migrations/env.py": "from alembic import context\n",
        "backend/migrations/versions/one.py": revision("one", None),
    }
    assert detect_sets(tree(files)) == [("alembic", "backend/migrations")]
    migration_set = ADAPTER.load("backend/migrations", changes({}, files))
    assert [m.id for m in migration_set.new_migrations] == ["one"]


def test_flask_migrate_layout_without_script_location() -> None:
    # `flask db init` writes alembic.ini beside env.py and passes that folder as script_location itself.
    ini = "# A generic, single database configuration.\n\n[alembic]\n\n[loggers]\nkeys = root\n"
    base = {
        "migrations/alembic.ini": ini,
        "migrations/env.py": "from flask import current_app\n",
        "migrations/script.py.mako": "${upgrades}\n",
        "migrations/versions/a1_first.py": revision("a1", None),
    }
    head = {**base, "migrations/versions/b2_second.py": revision("b2", "a1")}
    assert detect_sets(tree(head)) == [("alembic", "migrations")]
    migration_set = ADAPTER.load("migrations", changes(base, head))
    assert [m.id for m in migration_set.new_migrations] == ["b2"]
    assert migration_set.runner is not None
    runner = migration_set.runner
    assert (runner.config_path, runner.section) == ("migrations/alembic.ini", "alembic")
    assert migration_set.runner.script_location == "migrations"
    # An ini without script_location beside no env.py is not an Alembic project.
    assert detect_sets(tree({"setup/tox.ini": "[tox]\n", "setup/versions/x.py": "revision = 'x'\n"})) == []
