-- Squawk prefer-repack / ban-truncate-cascade, GitLab's cops, pgfence vacuum-full / truncate-cascade.
SET lock_timeout = '2s';
-- expect: risky
VACUUM FULL orders;
-- expect: risky
CLUSTER orders USING orders_created_at_idx;
-- expect: risky
TRUNCATE customers CASCADE;
-- expect: safe
VACUUM (ANALYZE) orders;
-- expect: safe
DELETE FROM login_attempts WHERE attempted_at < now() - interval '90 days' AND id < 100000;
