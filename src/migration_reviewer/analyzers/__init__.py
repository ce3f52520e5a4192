"""The analyzers: rules over what the change says and what the replay saw. Importing this package
registers every rule."""

from migration_reviewer.analyzers.drift import (  # noqa: F401
    applied_migration_deleted,
    applied_migration_edited,
    duplicate_version,
    invalid_migration_set,
    migration_file_missing,
    migration_not_in_journal,
    out_of_order_migration,
    unreadable_migration,
)
from migration_reviewer.analyzers.registry import RULES, run_rules
from migration_reviewer.analyzers.replay_failures import (  # noqa: F401
    base_history_fails,
    fails_with_data,
    migration_fails,
    replay_unavailable,
)
from migration_reviewer.analyzers.rollback import (  # noqa: F401
    down_fails,
    down_leaves_schema_changed,
    missing_down,
    not_reapplicable_after_down,
)

__all__ = ["RULES", "run_rules"]
