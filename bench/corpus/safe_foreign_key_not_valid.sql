-- expect: safe
-- family: constraints
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (adding foreign-key constraints: NOT VALID, then validate)
SET lock_timeout = '2s';
ALTER TABLE comments ADD CONSTRAINT comments_author_fk FOREIGN KEY (author_id) REFERENCES authors (id) NOT VALID;
