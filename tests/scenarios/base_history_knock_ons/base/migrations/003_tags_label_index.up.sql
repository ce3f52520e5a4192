CREATE INDEX tags_label ON tags (label);
