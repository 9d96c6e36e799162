-- Issue 13: people sign in to the web app with a password (bcrypt hash) and a server-side session.
-- AlterTable
ALTER TABLE "User" ADD COLUMN "passwordHash" TEXT;

-- CreateTable: connect-pg-simple's session table (its own layout), made here rather than by the store at run time.
CREATE TABLE "WebSession" (
    "sid" VARCHAR NOT NULL,
    "sess" JSON NOT NULL,
    "expire" TIMESTAMP(6) NOT NULL,

    CONSTRAINT "WebSession_pkey" PRIMARY KEY ("sid")
);

-- CreateIndex
CREATE INDEX "WebSession_expire_idx" ON "WebSession"("expire");

-- People sign in by e-mail address, so one address names at most one person who can sign in
-- (Prisma cannot express a partial, case-insensitive unique index).
CREATE UNIQUE INDEX "User_sign_in_email_key" ON "User" (lower("email")) WHERE "passwordHash" IS NOT NULL;
