ALTER TABLE "posts" ADD COLUMN "draft" boolean DEFAULT true;
