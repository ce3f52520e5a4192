"""Alembic: revision files under a `script_location` (and any `version_locations`) named in `alembic.ini`.

The runner orders revisions by their graph (`down_revision`, `depends_on`), never by file name; the graph
is built with Alembic's own RevisionMap from the identifiers each file declares. The files are read with
`ast`, not imported: an adapter never runs the project's code (the replay does, in a subprocess).

On PostgreSQL, `alembic upgrade` runs every pending revision in one transaction unless env.py asks for
`transaction_per_migration=True`.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import warnings
from dataclasses import dataclass, field, replace

from migration_reviewer.adapters._common import (
    basename,
    dialect_from_path,
    first_changed_line,
    join,
    parent,
)
from migration_reviewer.adapters.base import (
    CodeRunner,
    Dialect,
    Migration,
    MigrationSet,
    MigrationStatus,
    PlanProblem,
    ProblemKind,
    RevisionStep,
    SqlScript,
    Wrapping,
)
from migration_reviewer.discovery.changeset import ChangeSet, RepoTree

_SCHEMES = {"postgresql": Dialect.POSTGRESQL, "postgres": Dialect.POSTGRESQL, "mysql": Dialect.MYSQL,
            "mariadb": Dialect.MYSQL, "sqlite": Dialect.SQLITE}
_PER_MIGRATION = re.compile(r"transaction_per_migration\s*=\s*True")


@dataclass(frozen=True)
class _Project:
    """One `[section]` of one alembic.ini."""

    ini: str
    section: str
    script_location: str  # repository-relative
    version_locations: tuple[str, ...]
    url: str
    # Flask-Migrate's alembic.ini names no script_location: it passes the ini's own folder at run time.
    implied_location: bool = False


def _projects(tree: RepoTree) -> list[_Project]:
    found = []
    for ini in (p for p in tree.paths if basename(p).endswith(".ini") and "node_modules/" not in p):
        if not tree.is_text(ini):
            continue
        text = tree.read_text(ini)
        here = parent(ini)
        flask_migrate = "script_location" not in text and _is_script_folder(tree, here)
        if "script_location" not in text and not flask_migrate:
            continue
        # `%(here)s` stands for the ini's folder, which `_relative` joins to a relative location anyway.
        parser = configparser.ConfigParser(defaults={"here": "."})
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        for section in parser.sections():
            options = parser[section]
            if flask_migrate and section == "alembic":
                location = here
            elif "script_location" not in options or ":" in options["script_location"]:
                continue  # a `package:folder` location lives in an installed package, not in the tree
            else:
                location = _relative(here, options["script_location"])
            versions = tuple(
                _relative(here, part)
                for part in re.split(r"[\s,;]+", options.get("version_locations", ""))
                if part
            )
            found.append(_Project(ini, section, location, versions or (join(location, "versions"),),
                                  options.get("sqlalchemy.url", ""), flask_migrate))
    return sorted(found, key=lambda p: (p.script_location, p.ini, p.section))


def _is_script_folder(tree: RepoTree, folder: str) -> bool:
    """Whether `folder` holds what `alembic init` (or `flask db init`) writes: env.py, and the revision
    template or the versions folder."""
    return tree.exists(join(folder, "env.py")) and (
        tree.exists(join(folder, "script.py.mako")) or bool(tree.files_under(join(folder, "versions")))
    )


def _relative(here: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(here, path)) if not path.startswith("/") else path
    return "" if joined == "." else joined.strip("/")


class AlembicAdapter:
    name = "alembic"

    def detect(self, tree: RepoTree) -> list[str]:
        return sorted({p.script_location for p in _projects(tree)})

    def load(self, root: str, changes: ChangeSet) -> MigrationSet:
        project = next((p for p in _projects(changes.head) if p.script_location == root), None)
        base_project = next((p for p in _projects(changes.base) if p.script_location == root), None)
        project = project or base_project
        if project is None:
            return MigrationSet(root, self.name, dialect_from_path(root), (), (), problems=(
                PlanProblem(ProblemKind.INVALID, "no alembic.ini names this folder as script_location",
                            root),))
        scheme = re.match(r"([a-z]+)", project.url)
        dialect = _SCHEMES.get(scheme[1], dialect_from_path(root)) if scheme else dialect_from_path(root)
        base = _read_side(changes.base, base_project or project)
        head = _read_side(changes.head, project, changes.changed_paths)
        problems = list(head.problems)
        base_by_id = {m.id: m for m in base.migrations}
        marked = []
        for migration in head.migrations:
            before = base_by_id.get(migration.id)
            status = MigrationStatus.ADDED if before is None else MigrationStatus.BASE
            if before is not None and before.step and migration.step:
                line = first_changed_line((before.step.source,), (migration.step.source,))
                if line is not None:
                    status = MigrationStatus.MODIFIED
                    problems.append(PlanProblem(
                        ProblemKind.EDITED_APPLIED,
                        f"revision {migration.id} was edited, but it is already applied wherever the base "
                        "branch was deployed: `alembic upgrade` never runs it again there; put the change "
                        "in a new revision", migration.path, line))
            marked.append(replace(migration, status=status))
        head_ids = {m.id for m in head.migrations} | head.unordered
        problems += [
            PlanProblem(ProblemKind.DELETED_APPLIED,
                        f"revision {m.id} was deleted, but it is already applied wherever the base branch "
                        "was deployed: `alembic upgrade` fails there with \"Can't locate revision\"; "
                        "restore it",
                        m.path)
            for m in base.migrations if m.id not in head_ids
        ]
        if len(head.heads) > 1 and len(head.heads) > len(base.heads):
            problems.append(PlanProblem(
                ProblemKind.INVALID,
                f"the revisions have {len(head.heads)} heads ({', '.join(head.heads)}): "
                "`alembic upgrade head` refuses to run; add a merge revision (`alembic merge heads`)",
                next((m.path for m in marked if m.id in head.heads and m.status is MigrationStatus.ADDED),
                     root)))
        env = join(root, "env.py")
        per_migration = changes.head.exists(env) and bool(_PER_MIGRATION.search(changes.head.read_text(env)))
        # Alembic wraps DDL in transactions only where the database has transactional DDL (PostgreSQL).
        if dialect is not Dialect.POSTGRESQL:
            wrapping = Wrapping.NONE
        elif per_migration:
            wrapping = Wrapping.PER_MIGRATION
        else:
            wrapping = Wrapping.BATCH
        return MigrationSet(
            root=root,
            framework=self.name,
            dialect=dialect,
            base_migrations=tuple(replace(m, wrapping=wrapping) for m in base.migrations),
            head_migrations=tuple(replace(m, wrapping=wrapping) for m in marked),
            problems=tuple(problems),
            notes=tuple(head.notes),
            runner=CodeRunner(project.ini, project.section, changes.head, changes.base, base.heads,
                              per_migration,
                              script_location=project.script_location if project.implied_location else None),
        )


@dataclass
class _Side:
    migrations: list[Migration] = field(default_factory=list)
    problems: list[PlanProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    heads: tuple[str, ...] = ()
    unordered: set[str] = field(default_factory=set)  # revisions a broken graph leaves out: not deleted


def _read_side(tree: RepoTree, project: _Project, changed: frozenset[str] = frozenset()) -> _Side:
    # Alembic is imported here, not with the module: only repositories that use it pay for the import.
    from alembic.script.revision import Revision, RevisionError, RevisionMap

    side = _Side()
    steps: dict[str, tuple[Migration, tuple[str, ...], tuple[str, ...]]] = {}
    for folder in project.version_locations:
        for path in tree.files_under(folder):
            if not path.endswith(".py") or parent(path) != folder or basename(path).startswith("__"):
                continue
            migration, depends_on, labels = _revision(tree, path, side)
            if migration is None or migration.step is None:
                continue
            if migration.id in steps:
                side.problems.append(PlanProblem(
                    ProblemKind.DUPLICATE_VERSION,
                    f"{basename(path)} and {basename(steps[migration.id][0].path)} both declare revision "
                    f"{migration.id}: Alembic refuses to load the folder", path))
                continue
            steps[migration.id] = (migration, depends_on, labels)
    for revision_id, (migration, _, _) in steps.items():
        assert migration.step is not None
        for down in migration.step.down_revisions:
            if down not in steps:
                side.problems.append(PlanProblem(
                    ProblemKind.INVALID,
                    f"revision {revision_id} has down_revision {down!r}, which no revision file declares: "
                    "Alembic cannot place it in the history", migration.path,
                    _line_of(migration, "down_revision")))
    known = {i: s for i, s in steps.items() if all(d in steps for d in s[0].step.down_revisions)}  # type: ignore[union-attr]
    revision_map = RevisionMap(lambda: [
        Revision(i, m.step.down_revisions or None, deps or None, labels or None)  # type: ignore[union-attr]
        for i, (m, deps, labels) in known.items()
    ])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a missing dependency is reported above, with its file
            side.heads = tuple(sorted(revision_map.heads))
            order = [r.revision for r in revision_map.iterate_revisions(revision_map.heads, "base")]
    except RevisionError as exc:
        # Pinned on a file the change touched where there is one: that is where the loop was closed.
        paths = sorted((m.path for m, _, _ in known.values()), key=lambda path: path not in changed)
        side.problems.append(PlanProblem(ProblemKind.INVALID, f"the revision graph is broken: {exc}; Alembic "
                                         "cannot run any revision", paths[0] if paths else project.ini))
        side.unordered = set(known)
        return side
    side.migrations = [known[i][0] for i in reversed(order)]
    return side


def _revision(
    tree: RepoTree, path: str, side: _Side
) -> tuple[Migration | None, tuple[str, ...], tuple[str, ...]]:
    if not tree.is_text(path):
        side.problems.append(PlanProblem(ProblemKind.UNREADABLE, f"{basename(path)} is not UTF-8 text", path))
        return None, (), ()
    text = tree.read_text(path)
    try:
        module = ast.parse(text)
    except SyntaxError as exc:
        side.problems.append(PlanProblem(ProblemKind.UNREADABLE, f"{basename(path)} is not valid Python: "
                                         f"{exc.msg}", path, exc.lineno))
        return None, (), ()
    values: dict[str, object] = {}
    for node in module.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    continue
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None, (), ()  # a helper module beside the revisions
    # An empty downgrade undoes an empty upgrade (a merge revision): only one that leaves work undone is
    # missing.
    has_down = _does_something(module, "downgrade") or not _does_something(module, "upgrade")
    name = re.sub(r"^[0-9a-f]+_", "", basename(path).removesuffix(".py"))
    step = RevisionStep(revision, _names(values.get("down_revision")), SqlScript(path, text), has_down)
    migration = Migration(id=revision, name=name, path=path, status=MigrationStatus.BASE, up=(),
                          down=() if has_down else None, files=(path,), step=step)
    return migration, _names(values.get("depends_on")), _names(values.get("branch_labels"))


def _does_something(module: ast.Module, name: str) -> bool:
    function = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == name), None)
    return function is not None and any(
        not isinstance(s, ast.Pass) and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in function.body
    )


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _line_of(migration: Migration, name: str) -> int | None:
    assert migration.step is not None
    match = re.search(rf"^{name}\b", migration.step.source.text, re.MULTILINE)
    return migration.step.source.text.count("\n", 0, match.start()) + 1 if match else None
