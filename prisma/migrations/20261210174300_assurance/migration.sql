-- Issue 17 (Process 7, assurance): the framework's versions, indicator values imported per consortium
-- and period, and the quarterly checkpoints as on record.

-- CreateTable
CREATE TABLE "AssuranceFrameworkVersion" (
    "version" TEXT NOT NULL,
    "financialYear" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AssuranceFrameworkVersion_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "IndicatorImport" (
    "id" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "frameworkVersion" TEXT NOT NULL,
    "illustrative" BOOLEAN NOT NULL,
    "rows" INTEGER NOT NULL,
    "importedBy" TEXT NOT NULL,
    "importedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IndicatorImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IndicatorValue" (
    "indicatorId" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "numerator" DOUBLE PRECISION,
    "denominator" DOUBLE PRECISION,
    "value" DOUBLE PRECISION NOT NULL,
    "illustrative" BOOLEAN NOT NULL,
    "importId" TEXT NOT NULL,

    CONSTRAINT "IndicatorValue_pkey" PRIMARY KEY ("indicatorId","consortiumCode","period")
);

-- CreateTable
CREATE TABLE "AssuranceCheckpoint" (
    "workflowId" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "quarter" TEXT NOT NULL,
    "financialYear" TEXT NOT NULL,
    "frameworkVersion" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "pack" JSONB,
    "selfAssessment" JSONB,
    "judgements" JSONB,
    "outcome" TEXT,
    "rating" TEXT,
    "concludedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AssuranceCheckpoint_pkey" PRIMARY KEY ("workflowId")
);

-- CreateIndex
CREATE UNIQUE INDEX "IndicatorImport_sha256_key" ON "IndicatorImport"("sha256");

-- CreateIndex
CREATE INDEX "IndicatorValue_period_indicatorId_idx" ON "IndicatorValue"("period", "indicatorId");

-- CreateIndex
CREATE INDEX "IndicatorValue_consortiumCode_period_idx" ON "IndicatorValue"("consortiumCode", "period");

-- CreateIndex
CREATE INDEX "AssuranceCheckpoint_financialYear_consortiumCode_idx" ON "AssuranceCheckpoint"("financialYear", "consortiumCode");

-- CreateIndex
CREATE UNIQUE INDEX "AssuranceCheckpoint_consortiumCode_quarter_key" ON "AssuranceCheckpoint"("consortiumCode", "quarter");

-- AddForeignKey
ALTER TABLE "IndicatorValue" ADD CONSTRAINT "IndicatorValue_importId_fkey" FOREIGN KEY ("importId") REFERENCES "IndicatorImport"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
