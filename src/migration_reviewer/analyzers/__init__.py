"""The analyzers: rules over what the change says and what the replay saw. The rules register
themselves when first asked for (see registry.every_rule)."""

from migration_reviewer.analyzers.registry import run_rules

__all__ = ["run_rules"]
