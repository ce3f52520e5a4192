-- expect: safe
-- family: schema
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (a composite primary key on a join table)
CREATE TABLE article_tags (article_id bigint NOT NULL REFERENCES articles (id), tag_id bigint NOT NULL REFERENCES tags (id), PRIMARY KEY (article_id, tag_id));
CREATE INDEX article_tags_tag_idx ON article_tags (tag_id);
