"""The framework adapters, keyed by the name a user types, and the plan of a whole change (see
registry.py).

Every room imports `adapters.base` for the shapes of a plan, and Python runs this file first: the eight
adapters (and what they parse with) load only when the registry itself is asked for, so `lint` and the
rules do not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migration_reviewer.adapters.registry import ADAPTERS, detect_sets, load_plan

_REGISTRY_NAMES = frozenset({"ADAPTERS", "detect_sets", "load_plan"})


def __getattr__(name: str) -> Any:
    if name in _REGISTRY_NAMES:
        from migration_reviewer.adapters import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ADAPTERS", "detect_sets", "load_plan"]
