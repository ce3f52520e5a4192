"""The shared Jinja2 environment: sandboxed (a template may come from the repository), strict about
undefined names, with escaping filters for Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migration_reviewer.errors import ConfigError
from migration_reviewer.renderers import escape

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import ImmutableSandboxedEnvironment


def environment(override_dir: str | None = None) -> ImmutableSandboxedEnvironment:
    # Loaded here: the JSON and terminal outputs do without Jinja2.
    from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    loaders: list[FileSystemLoader | PackageLoader] = []
    if override_dir:
        loaders.append(FileSystemLoader(override_dir))
    loaders.append(PackageLoader("migration_reviewer", "renderers/templates"))
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,  # Markdown, not HTML: every repository string goes through an escaping filter
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Every field is capped, so one huge name or message cannot eat the comment's size budget.
    env.filters["md"] = lambda value: escape.text(clip(value, FIELD_LIMIT))
    env.filters["msg"] = lambda value: escape.message(clip(value, FIELD_LIMIT))
    env.filters["msg_cell"] = lambda value: escape.message(clip(value, FIELD_LIMIT), in_table=True)
    env.filters["html"] = lambda value: escape.html(clip(value, FIELD_LIMIT))
    env.filters["code"] = lambda value: escape.code(clip(value, FIELD_LIMIT))
    env.filters["cell"] = lambda value: escape.code(clip(value, FIELD_LIMIT), in_table=True)
    env.filters["sql"] = lambda value: escape.code_block(clip(value, SQL_LIMIT))
    env.filters["ms"] = format_ms
    return env


FIELD_LIMIT = 1_000
SQL_LIMIT = 10_000


def clip(value: object, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_template(name: str, override: str | None = None) -> Template:
    """The packaged template `name`, or the file `override` (which may extend or include ours)."""
    if override is None:
        return environment().get_template(name)
    path = Path(override)
    if not path.is_file():
        raise ConfigError(f"template {override} does not exist")
    return environment(str(path.parent.resolve())).get_template(path.name)


def format_ms(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return "<1 ms"
    if value < 1000:
        return f"{value:.0f} ms"
    return f"{value / 1000:.1f} s"
