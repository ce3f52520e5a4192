-- expect: risky
-- family: breaking
-- source: https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS (names longer than NAMEDATALEN-1 bytes are truncated)
CREATE INDEX CONCURRENTLY index_subscription_events_on_account_id_and_event_type_and_created_at ON subscription_events (account_id, event_type, created_at);
