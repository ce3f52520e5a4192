"""Every rule, by importing its module: each registers itself with `@rule`. The registry imports this
module the first time it is asked for the rules (see registry.every_rule), not before: a review loads
the hundred-odd rule modules while its server starts."""

from migration_reviewer.analyzers.backfill import (  # noqa: F401
    add_required_column,
    backfill_then_set_not_null,
    data_moved_between_tables,
    delete_in_schema_migration,
    not_null_over_rows_left_null,
    retype_over_held_values,
    seeded_rows_lost,
    timestamp_zone_reinterpreted,
    unbatched_backfill,
)
from migration_reviewer.analyzers.drift import (  # noqa: F401
    alembic_models_drift,
    applied_migration_deleted,
    applied_migration_edited,
    drizzle_schema_drift,
    duplicate_version,
    generated_types_out_of_sync,
    invalid_migration_set,
    migration_file_missing,
    migration_not_in_journal,
    out_of_order_migration,
    prisma_schema_drift,
    unreadable_migration,
)
from migration_reviewer.analyzers.lock_risk import (  # noqa: F401
    add_column_rewrite,
    attach_partition_without_check,
    column_type_change_rewrite,
    concurrent_index_if_not_exists,
    concurrently_in_transaction,
    constraint_without_not_valid,
    create_index_without_concurrently,
    detach_partition_without_concurrently,
    disable_trigger,
    domain_constraint_validation,
    drop_column,
    drop_database,
    drop_index_without_concurrently,
    drop_schema,
    drop_table,
    enum_value_in_transaction,
    exclusion_constraint,
    exclusive_locks_on_several_tables,
    lock_table,
    missing_lock_timeout,
    missing_statement_timeout,
    primary_key_or_replica_identity_change,
    refresh_materialized_view,
    reindex_without_concurrently,
    rename_column,
    rename_schema,
    rename_table,
    set_logged_or_unlogged,
    set_not_null_without_check,
    set_tablespace,
    slow_statement_under_exclusive_lock,
    table_rewrite_observed,
    transaction_control_in_wrapped_migration,
    transaction_left_open,
    truncate_table,
    unique_without_using_index,
    vacuum_full_or_cluster,
    validate_in_same_transaction,
)
from migration_reviewer.analyzers.mysql import (  # noqa: F401
    alter_blocks_writes,
    charset_conversion,
    enum_set_change,
    large_table_alter,
    metadata_lock_wait,
)
from migration_reviewer.analyzers.mysql import fails_with_data as mysql_fails_with_data  # noqa: F401
from migration_reviewer.analyzers.mysql import not_null_without_default as mysql_not_null  # noqa: F401
from migration_reviewer.analyzers.replay_failures import (  # noqa: F401
    base_history_fails,
    extension_unavailable,
    fails_with_data,
    migration_fails,
    replay_unavailable,
    statement_does_not_parse,
    statement_not_analysed,
)
from migration_reviewer.analyzers.rollback import (  # noqa: F401
    down_fails,
    down_fails_on_new_values,
    down_leaves_inserted_rows,
    down_leaves_schema_changed,
    irreversible_data_loss,
    missing_down,
    not_reapplicable_after_down,
)
from migration_reviewer.analyzers.schema_design import (  # noqa: F401
    domain_with_constraint,
    foreign_key_without_index,
    identifier_too_long,
    integer_primary_key,
    invalid_index,
    json_instead_of_jsonb,
    on_delete_cascade,
    table_without_primary_key,
    timestamp_without_time_zone,
    varchar_length,
)
from migration_reviewer.analyzers.security import (  # noqa: F401
    alter_system,
    connection_to_another_server,
    copy_program_or_server_file,
    function_executable_by_api,
    grant_to_public,
    rls_without_policy,
    security_definer_search_path,
    tenant_table_without_rls,
    untrusted_code,
)
from migration_reviewer.analyzers.sqlite import (  # noqa: F401
    foreign_key_violations,
    foreign_keys_off_in_transaction,
    rebuild_drops_objects,
    unsupported_alter,
)
from migration_reviewer.analyzers.sqlite import not_null_without_default as sqlite_not_null  # noqa: F401
from migration_reviewer.analyzers.suppression import unused_ignore  # noqa: F401
