CREATE TABLE user_tags (
    user_id bigint NOT NULL REFERENCES users,
    tag_id bigint NOT NULL REFERENCES tags
);
