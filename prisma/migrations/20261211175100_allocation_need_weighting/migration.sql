-- Issue 15 item 2: need-weighted allocation as a second formula version. A version 2 run records its
-- need weighting; each consortium line its need index and version 1's programme allocation, for the change.
-- AlterTable
ALTER TABLE "AllocationRun" ADD COLUMN "needWeighting" JSONB;

-- AlterTable
ALTER TABLE "AllocationLine" ADD COLUMN "needIndexMilli" INTEGER,
ADD COLUMN "capitationProgrammePence" BIGINT;
