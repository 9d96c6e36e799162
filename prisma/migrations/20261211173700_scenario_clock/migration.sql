-- Issue 15, item 4: the scenario clock (platform/scenarioClock.ts). The deployment's calendar is the real
-- clock plus one offset, kept in a one-row table so restarts continue the same scenario.
-- CreateTable
CREATE TABLE "ScenarioClock" (
    "id" INTEGER NOT NULL,
    "asOf" DATE,
    "offsetMs" BIGINT NOT NULL,
    "fixedAt" TIMESTAMP(3) NOT NULL,
    "fixedBy" TEXT NOT NULL,

    CONSTRAINT "ScenarioClock_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ScenarioClock_one_row" CHECK ("id" = 1)
);

-- The offset every row is written under unless its writer says otherwise (0 with no row: the real calendar).
CREATE FUNCTION scenario_offset_ms() RETURNS BIGINT LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT "offsetMs" FROM "ScenarioClock" WHERE id = 1), 0)::BIGINT
$$;

-- "Now" on the deployment's calendar, as TIMESTAMP(3) columns hold it (UTC).
CREATE FUNCTION scenario_now() RETURNS TIMESTAMP(3) LANGUAGE sql STABLE AS $$
  SELECT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC' + scenario_offset_ms() * INTERVAL '1 millisecond')::TIMESTAMP(3)
$$;

-- The rows written before this migration ran on the real calendar (offset 0); later ones take the deployment's.
-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "scenarioOffsetMs" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "AuditEvent" ALTER COLUMN "scenarioOffsetMs" SET DEFAULT scenario_offset_ms();
ALTER TABLE "AuditEvent" ALTER COLUMN "occurredAt" SET DEFAULT scenario_now();

-- AlterTable
ALTER TABLE "CaseRecord" ADD COLUMN "scenarioOffsetMs" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "CaseRecord" ALTER COLUMN "scenarioOffsetMs" SET DEFAULT scenario_offset_ms();
