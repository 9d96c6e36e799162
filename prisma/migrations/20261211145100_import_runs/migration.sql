-- Issue 15: each quarterly import is an auditable run.
-- CreateTable
CREATE TABLE "ImportRun" (
    "id" SERIAL NOT NULL,
    "fileName" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "period" TEXT,
    "actor" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "progress" JSONB NOT NULL DEFAULT '{}',
    "summary" JSONB,
    "problem" JSONB,
    "auditEventKey" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ImportRun_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ImportRun_status_check" CHECK ("status" IN ('running', 'succeeded', 'unchanged', 'refused', 'failed')),
    CONSTRAINT "ImportRun_via_check" CHECK ("via" IN ('cli', 'upload'))
);

-- CreateIndex
CREATE INDEX "ImportRun_checksum_idx" ON "ImportRun"("checksum");

-- CreateIndex
CREATE INDEX "ImportRun_startedAt_idx" ON "ImportRun"("startedAt");

-- A practice closes when a later quarter no longer lists it, or the practice register closes it.
-- AlterTable
ALTER TABLE "Practice" ADD COLUMN "closedOn" DATE;
