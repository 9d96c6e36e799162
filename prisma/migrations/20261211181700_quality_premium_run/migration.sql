-- Issue 17 item 5: the 2013/14 quality premium (§5.17) as a stored, published run, with each
-- consortium's line and each member practice's share, to the penny.
-- CreateTable
CREATE TABLE "QualityPremiumRun" (
    "id" TEXT NOT NULL,
    "runKey" TEXT NOT NULL,
    "workflowId" TEXT,
    "financialYear" TEXT NOT NULL,
    "frameworkVersion" TEXT NOT NULL,
    "listPeriod" TEXT,
    "valuesPeriod" TEXT NOT NULL,
    "illustrative" BOOLEAN NOT NULL,
    "valueFiles" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'calculated',
    "publishedAt" TIMESTAMP(3),
    "totals" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "QualityPremiumRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QualityPremiumLine" (
    "runId" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "registeredPatients" INTEGER NOT NULL,
    "practiceCount" INTEGER NOT NULL,
    "overspent" BOOLEAN NOT NULL,
    "ceilingPence" BIGINT NOT NULL,
    "achievedBasisPoints" INTEGER NOT NULL,
    "earnedPence" BIGINT NOT NULL,
    "measures" JSONB NOT NULL,
    "annualRating" TEXT,
    "checkpointsConcluded" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "QualityPremiumLine_pkey" PRIMARY KEY ("runId","consortiumCode")
);

-- CreateTable
CREATE TABLE "QualityPremiumPracticeLine" (
    "runId" TEXT NOT NULL,
    "practiceCode" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "registeredPatients" INTEGER NOT NULL,
    "pence" BIGINT NOT NULL,

    CONSTRAINT "QualityPremiumPracticeLine_pkey" PRIMARY KEY ("runId","practiceCode")
);

-- CreateIndex
CREATE UNIQUE INDEX "QualityPremiumRun_runKey_key" ON "QualityPremiumRun"("runKey");

-- CreateIndex
CREATE UNIQUE INDEX "QualityPremiumRun_workflowId_key" ON "QualityPremiumRun"("workflowId");

-- CreateIndex
CREATE INDEX "QualityPremiumRun_financialYear_idx" ON "QualityPremiumRun"("financialYear");

-- CreateIndex
CREATE INDEX "QualityPremiumLine_consortiumCode_idx" ON "QualityPremiumLine"("consortiumCode");

-- CreateIndex
CREATE INDEX "QualityPremiumPracticeLine_consortiumCode_idx" ON "QualityPremiumPracticeLine"("consortiumCode");

-- AddForeignKey
ALTER TABLE "QualityPremiumRun" ADD CONSTRAINT "QualityPremiumRun_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QualityPremiumLine" ADD CONSTRAINT "QualityPremiumLine_runId_fkey" FOREIGN KEY ("runId") REFERENCES "QualityPremiumRun"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QualityPremiumLine" ADD CONSTRAINT "QualityPremiumLine_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QualityPremiumPracticeLine" ADD CONSTRAINT "QualityPremiumPracticeLine_runId_fkey" FOREIGN KEY ("runId") REFERENCES "QualityPremiumRun"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QualityPremiumPracticeLine" ADD CONSTRAINT "QualityPremiumPracticeLine_practiceCode_fkey" FOREIGN KEY ("practiceCode") REFERENCES "Practice"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QualityPremiumPracticeLine" ADD CONSTRAINT "QualityPremiumPracticeLine_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;
