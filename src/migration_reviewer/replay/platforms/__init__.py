"""What a platform's database holds before the first migration, as our own SQL shipped with the package
(`<platform>.sql`): run by the server's admin role (`AdminScripts`), before the migrations' role runs
anything. Sections (`-- section: <what>`) run one transaction each, so a missing extension leaves out that
section alone."""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources

_SECTION = re.compile(r"^-- section: (.+)$", re.MULTILINE)




@functools.cache
def platform_script(platform: str) -> str:
    """The SQL of `platform`; a KeyError for a platform we do not ship."""
    try:
        return resources.files(__package__).joinpath(f"{platform}.sql").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyError(platform) from None


def platform_version(platform: str) -> str:
    """Changes whenever the platform's SQL does: a base kept on an older version is replayed anew."""
    return hashlib.sha256(platform_script(platform).encode()).hexdigest()[:16]


def sections(script: str) -> list[tuple[str, str]]:
    """(what, SQL) for each `-- section:` of `script`; what comes before the first is left out (the
    file's own comments)."""
    parts = _SECTION.split(script)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
