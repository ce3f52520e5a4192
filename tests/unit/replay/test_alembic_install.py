"""What `install` turns into for pip, and the key under which the result is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_reviewer.discovery.changeset import RepoTree
from migration_reviewer.replay.alembic_install import InstallError, plan_install


def tree(files: dict[str, str]) -> RepoTree:
    data = {path: text.encode() for path, text in files.items()}
    return RepoTree("head", frozenset(data), data.__getitem__)

LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "fastapi", extra = ["standard"] },
    { name = "pywin32", marker = "sys_platform == 'win32'" },
    { name = "internal-lib" },
]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "fastapi"
version = "0.115.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "starlette" }]

[package.optional-dependencies]
standard = [{ name = "email-validator" }]

[[package]]
name = "starlette"
version = "0.38.6"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "email-validator"
version = "2.2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pywin32"
version = "306"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "internal-lib"
version = "1.0"
source = { git = "https://example.invalid/internal-lib?rev=v1#abc" }
"""


def test_requirement_files_with_the_files_and_folders_they_name() -> None:
    files = {
        "backend/requirements.txt": "-r requirements/base.txt\n./libs/helpers  # ours\nstripe==9.1\n",
        "backend/requirements/base.txt": "-c constraints.txt\nsqlalchemy>=2\n",
        "backend/requirements/constraints.txt": "sqlalchemy<3\n",
        "backend/libs/helpers/pyproject.toml": "[project]\nname = 'helpers'\n",
        "backend/libs/helpers/helpers/__init__.py": "",
        "backend/app/main.py": "",
    }
    plan = plan_install(["-r backend/requirements.txt", "alembic-utils==0.8.2"], tree(files))
    # pip runs where a user runs it: beside the requirements file, which names its folders from there.
    assert plan.working_folder == "backend"
    assert sorted(plan.files) == sorted(set(files) - {"backend/app/main.py"})
    assert plan.arguments(Path("/top")) == ["-r", "/top/backend/requirements.txt", "alembic-utils==0.8.2"]
    assert plan.described() == "-r backend/requirements.txt, alembic-utils==0.8.2"


def test_the_key_follows_the_content_of_everything_installed() -> None:
    files = {"requirements.txt": "./helpers\n", "helpers/pyproject.toml": "[project]\nname = 'h'\n",
             "helpers/h/__init__.py": "A = 1\n"}
    key = plan_install(["-r requirements.txt"], tree(files)).key()
    assert plan_install(["-r requirements.txt"], tree(files)).key() == key
    edited = {**files, "helpers/h/__init__.py": "A = 2\n"}
    assert plan_install(["-r requirements.txt"], tree(edited)).key() != key
    assert plan_install(["-r requirements.txt", "stripe"], tree(files)).key() != key


def test_pyproject_dependencies() -> None:
    pyproject = '[project]\nname = "app"\ndependencies = ["fastapi>=0.110", "sqlmodel"]\n'
    plan = plan_install(["backend/pyproject.toml"], tree({"backend/pyproject.toml": pyproject}))
    assert plan.arguments(Path("/top")) == ["fastapi>=0.110", "sqlmodel"]
    poetry = '[tool.poetry.dependencies]\npython = "^3.11"\n'
    with pytest.raises(InstallError, match="no \\[project\\] dependencies"):
        plan_install(["pyproject.toml"], tree({"pyproject.toml": poetry}))
    with pytest.raises(InstallError, match="no such file in the repository"):
        plan_install(["-r missing.txt"], tree({}))


def test_uv_lock_pins_what_the_project_needs_here() -> None:
    plan = plan_install(["uv.lock"], tree({"uv.lock": LOCK}))
    # The extra the project asks for, not its dev group, nor what another platform needs.
    assert plan.arguments(Path("/top")) == [
        "email-validator==2.2.0", "fastapi==0.115.0", "starlette==0.38.6"]
    assert plan.skipped == ["internal-lib (git https://example.invalid/internal-lib?rev=v1#abc)"]
