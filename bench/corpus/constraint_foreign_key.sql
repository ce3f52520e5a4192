-- expect: risky
-- family: constraints
-- source: https://github.com/ankane/strong_migrations (README, checks) - adding a foreign key
SET lock_timeout = '2s';
ALTER TABLE comments ADD CONSTRAINT comments_post_fk FOREIGN KEY (post_id) REFERENCES posts (id);
