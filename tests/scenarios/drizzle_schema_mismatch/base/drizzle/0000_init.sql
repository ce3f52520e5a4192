CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL);
