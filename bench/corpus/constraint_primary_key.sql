-- expect: risky
-- family: constraints
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (swapping primary key: the new key's index is built under lock)
SET lock_timeout = '2s';
ALTER TABLE sessions_log ADD PRIMARY KEY (id);
