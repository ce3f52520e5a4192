"""The shared Jinja2 environment: sandboxed (a template may come from the repository), strict about
undefined names, with escaping filters for Markdown."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

from migration_reviewer.errors import ConfigError
from migration_reviewer.renderers import escape


def environment(override_dir: str | None = None) -> ImmutableSandboxedEnvironment:
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
    env.filters["md"] = escape.text
    env.filters["msg"] = escape.message
    env.filters["html"] = escape.html
    env.filters["code"] = escape.code
    env.filters["cell"] = lambda value: escape.code(value, in_table=True)
    env.filters["sql"] = escape.code_block
    env.filters["ms"] = format_ms
    return env


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
