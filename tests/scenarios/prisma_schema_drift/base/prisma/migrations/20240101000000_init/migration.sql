CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "legacy_code" TEXT,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);
