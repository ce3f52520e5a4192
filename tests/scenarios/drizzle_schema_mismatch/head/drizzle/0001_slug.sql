ALTER TABLE "posts" ADD COLUMN "slug" text;
