-- The label type was created by hand on the production server, never in a migration.
CREATE TABLE tags (id bigint PRIMARY KEY, label tag_label NOT NULL);
