/*
  Warnings:

  - A unique constraint covering the columns `[onsCode]` on the table `Consortium` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterTable
ALTER TABLE "Consortium" ADD COLUMN     "establishedOn" DATE,
ADD COLUMN     "onsCode" TEXT;

-- AlterTable
ALTER TABLE "Membership" ADD COLUMN     "changeRequestId" TEXT,
ADD COLUMN     "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "source" TEXT;

-- CreateTable
CREATE TABLE "Region" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Region_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "AreaTeam" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "regionCode" TEXT NOT NULL,

    CONSTRAINT "AreaTeam_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "LocalAuthority" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT,
    "healthAndWellbeingBoard" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LocalAuthority_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "ConsortiumLocalAuthority" (
    "consortiumCode" TEXT NOT NULL,
    "localAuthorityCode" TEXT NOT NULL,

    CONSTRAINT "ConsortiumLocalAuthority_pkey" PRIMARY KEY ("consortiumCode","localAuthorityCode")
);

-- CreateTable
CREATE TABLE "ProviderGroup" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'gp_federation',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProviderGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProviderGroupMember" (
    "id" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "practiceCode" TEXT,
    "memberGroupId" TEXT,
    "validFrom" DATE NOT NULL,
    "validTo" DATE,

    CONSTRAINT "ProviderGroupMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StrategicHealthAuthority" (
    "code" TEXT NOT NULL,
    "onsCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "StrategicHealthAuthority_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "PrimaryCareTrust" (
    "code" TEXT NOT NULL,
    "onsCode" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "PrimaryCareTrust_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "PrimaryCareTrustSha" (
    "pctCode" TEXT NOT NULL,
    "shaCode" TEXT NOT NULL,

    CONSTRAINT "PrimaryCareTrustSha_pkey" PRIMARY KEY ("pctCode","shaCode")
);

-- CreateTable
CREATE TABLE "PracticeListSize" (
    "practiceCode" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "sourceOrganisationCode" TEXT NOT NULL,
    "sourceAreaTeamCode" TEXT,
    "registeredPatients" INTEGER NOT NULL,
    "male0to4" INTEGER NOT NULL,
    "male5to14" INTEGER NOT NULL,
    "male15to24" INTEGER NOT NULL,
    "male25to34" INTEGER NOT NULL,
    "male35to44" INTEGER NOT NULL,
    "male45to54" INTEGER NOT NULL,
    "male55to64" INTEGER NOT NULL,
    "male65to74" INTEGER NOT NULL,
    "male75plus" INTEGER NOT NULL,
    "female0to4" INTEGER NOT NULL,
    "female5to14" INTEGER NOT NULL,
    "female15to24" INTEGER NOT NULL,
    "female25to34" INTEGER NOT NULL,
    "female35to44" INTEGER NOT NULL,
    "female45to54" INTEGER NOT NULL,
    "female55to64" INTEGER NOT NULL,
    "female65to74" INTEGER NOT NULL,
    "female75plus" INTEGER NOT NULL,
    "importedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PracticeListSize_pkey" PRIMARY KEY ("practiceCode","period")
);

-- CreateTable
CREATE TABLE "MembershipChangeRequest" (
    "id" TEXT NOT NULL,
    "practiceCode" TEXT NOT NULL,
    "fromConsortiumCode" TEXT,
    "toConsortiumCode" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'request',
    "status" TEXT NOT NULL DEFAULT 'requested',
    "reason" TEXT,
    "requestedBy" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "effectiveFrom" DATE,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decisionReason" TEXT,
    "workflowId" TEXT,

    CONSTRAINT "MembershipChangeRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Person" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "userId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OfficerAppointment" (
    "id" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "validFrom" DATE NOT NULL,
    "validTo" DATE,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OfficerAppointment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeclarationOfInterest" (
    "id" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "personId" TEXT NOT NULL,
    "capacity" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "organisationName" TEXT,
    "shareholdingPercent" DOUBLE PRECISION,
    "description" TEXT,
    "interestFrom" DATE,
    "interestTo" DATE,
    "declaredOn" DATE NOT NULL,
    "dueBy" DATE,
    "published" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeclarationOfInterest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseRecord" (
    "workflowId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "consortiumCode" TEXT,
    "practiceCode" TEXT,
    "areaTeam" TEXT,
    "title" TEXT,
    "stage" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "dueAt" TIMESTAMP(3),
    "policyVersion" TEXT NOT NULL,
    "thirdPartyOrganisation" TEXT,
    "parentWorkflowId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "openedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "CaseRecord_pkey" PRIMARY KEY ("workflowId")
);

-- CreateTable
CREATE TABLE "CaseDeadline" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "owner" TEXT,
    "settledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseDeadline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseDecision" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "decidedBy" TEXT NOT NULL,
    "decidedRole" TEXT,
    "reasons" TEXT,
    "ruleVersion" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "CaseDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AssessmentResult" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "criterionId" TEXT NOT NULL,
    "met" BOOLEAN NOT NULL,
    "supportLevel" TEXT,
    "finding" TEXT,
    "recordedBy" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AssessmentResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Condition" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "criterionId" TEXT,
    "domain" INTEGER,
    "description" TEXT NOT NULL,
    "finding" TEXT,
    "supportLevel" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "rectificationPlanDueAt" TIMESTAMP(3),
    "rectificationPlan" TEXT,
    "imposedAt" TIMESTAMP(3) NOT NULL,
    "nextReviewOn" DATE,
    "ruleVersion" TEXT NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Condition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConditionReview" (
    "id" TEXT NOT NULL,
    "conditionId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "reviewedBy" TEXT NOT NULL,
    "reviewedAt" TIMESTAMP(3) NOT NULL,
    "reasons" TEXT,
    "ruleVersion" TEXT NOT NULL,

    CONSTRAINT "ConditionReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InterventionTrigger" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "ruleVersion" TEXT NOT NULL,
    "recordedBy" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "InterventionTrigger_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResponsibilityTransfer" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "serviceLine" TEXT NOT NULL,
    "toHolder" TEXT NOT NULL,
    "budgetSharePence" BIGINT,
    "acceptedBy" TEXT,
    "acceptedAt" TIMESTAMP(3),
    "effectiveFrom" DATE NOT NULL,
    "restoredOn" DATE,
    "ruleVersion" TEXT NOT NULL,

    CONSTRAINT "ResponsibilityTransfer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notice" (
    "id" TEXT NOT NULL,
    "noticeKey" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "consortiumCode" TEXT,
    "practiceCode" TEXT,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "issuedBy" TEXT NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "respondBy" TIMESTAMP(3),
    "ruleVersion" TEXT NOT NULL,

    CONSTRAINT "Notice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NoticeResponse" (
    "id" TEXT NOT NULL,
    "responseKey" TEXT NOT NULL,
    "noticeId" TEXT NOT NULL,
    "submittedBy" TEXT NOT NULL,
    "submittedAt" TIMESTAMP(3) NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'submitted',
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decisionReason" TEXT,
    "ruleVersion" TEXT,

    CONSTRAINT "NoticeResponse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Procurement" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT,
    "consortiumCode" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "route" TEXT NOT NULL,
    "estimatedValuePence" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "managedBy" TEXT NOT NULL DEFAULT 'consortium',
    "thirdPartyKind" TEXT,
    "thirdPartyCode" TEXT,
    "handedOffAt" TIMESTAMP(3),
    "handOffAcceptedBy" TEXT,
    "handOffAcceptedAt" TIMESTAMP(3),
    "singleTenderJustification" TEXT,
    "policyVersion" TEXT NOT NULL,
    "opensAt" TIMESTAMP(3),
    "closesAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Procurement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Bid" (
    "id" TEXT NOT NULL,
    "procurementId" TEXT NOT NULL,
    "bidderKind" TEXT NOT NULL,
    "bidderId" TEXT NOT NULL,
    "bidderName" TEXT NOT NULL,
    "memberPracticeCodes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "valuePence" BIGINT,
    "submittedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'submitted',
    "conflicted" BOOLEAN,
    "conflictAssessment" JSONB,

    CONSTRAINT "Bid_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Award" (
    "id" TEXT NOT NULL,
    "procurementId" TEXT NOT NULL,
    "bidId" TEXT NOT NULL,
    "valuePence" BIGINT NOT NULL,
    "reasons" TEXT NOT NULL,
    "decidedBy" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL,
    "ruleVersion" TEXT NOT NULL,
    "published" BOOLEAN NOT NULL DEFAULT true,
    "publishedAt" TIMESTAMP(3),

    CONSTRAINT "Award_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AllocationRun" (
    "id" TEXT NOT NULL,
    "runKey" TEXT NOT NULL,
    "workflowId" TEXT,
    "financialYear" TEXT NOT NULL,
    "basis" TEXT NOT NULL,
    "formulaVersion" TEXT NOT NULL,
    "weightsVersion" TEXT NOT NULL,
    "parametersVersion" TEXT NOT NULL,
    "listPeriod" TEXT,
    "announcedOn" DATE,
    "status" TEXT NOT NULL DEFAULT 'calculated',
    "programmePotPence" BIGINT NOT NULL,
    "totals" JSONB NOT NULL,
    "riskPool" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AllocationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AllocationLine" (
    "runId" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "practiceCount" INTEGER NOT NULL,
    "registeredPatients" INTEGER NOT NULL,
    "weightedPopulationMilli" BIGINT NOT NULL,
    "practiceProgrammePence" BIGINT NOT NULL,
    "unregisteredSharePence" BIGINT NOT NULL,
    "programmePence" BIGINT NOT NULL,
    "runningCostsCapPence" BIGINT NOT NULL,
    "overspending" BOOLEAN NOT NULL,
    "qualityPremiumMaxPence" BIGINT NOT NULL,
    "riskPooled" BOOLEAN NOT NULL,
    "riskPoolContributionPence" BIGINT NOT NULL,
    "netProgrammePence" BIGINT NOT NULL,

    CONSTRAINT "AllocationLine_pkey" PRIMARY KEY ("runId","consortiumCode")
);

-- CreateTable
CREATE TABLE "AllocationPracticeLine" (
    "runId" TEXT NOT NULL,
    "practiceCode" TEXT NOT NULL,
    "consortiumCode" TEXT NOT NULL,
    "registeredPatients" INTEGER NOT NULL,
    "weightedPopulationMilli" BIGINT NOT NULL,
    "programmePence" BIGINT NOT NULL,
    "runningCostsCapPence" BIGINT NOT NULL,
    "qualityPremiumMaxPence" BIGINT NOT NULL,
    "riskPoolContributionPence" BIGINT NOT NULL,

    CONSTRAINT "AllocationPracticeLine_pkey" PRIMARY KEY ("runId","practiceCode")
);

-- CreateTable
CREATE TABLE "Milestone" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "dueOn" DATE NOT NULL,
    "financialYear" TEXT,
    "quarter" TEXT,
    "source" TEXT,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "completedAt" TIMESTAMP(3),
    "workflowId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Milestone_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEmail" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "messageId" TEXT,
    "workflowId" TEXT,
    "noticeId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "OutboxEmail_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AreaTeam_regionCode_idx" ON "AreaTeam"("regionCode");

-- CreateIndex
CREATE INDEX "ConsortiumLocalAuthority_localAuthorityCode_idx" ON "ConsortiumLocalAuthority"("localAuthorityCode");

-- CreateIndex
CREATE INDEX "ProviderGroupMember_groupId_idx" ON "ProviderGroupMember"("groupId");

-- CreateIndex
CREATE INDEX "ProviderGroupMember_practiceCode_idx" ON "ProviderGroupMember"("practiceCode");

-- CreateIndex
CREATE INDEX "ProviderGroupMember_memberGroupId_idx" ON "ProviderGroupMember"("memberGroupId");

-- CreateIndex
CREATE UNIQUE INDEX "StrategicHealthAuthority_onsCode_key" ON "StrategicHealthAuthority"("onsCode");

-- CreateIndex
CREATE UNIQUE INDEX "PrimaryCareTrust_onsCode_key" ON "PrimaryCareTrust"("onsCode");

-- CreateIndex
CREATE INDEX "PrimaryCareTrustSha_shaCode_idx" ON "PrimaryCareTrustSha"("shaCode");

-- CreateIndex
CREATE INDEX "PracticeListSize_period_idx" ON "PracticeListSize"("period");

-- CreateIndex
CREATE UNIQUE INDEX "MembershipChangeRequest_workflowId_key" ON "MembershipChangeRequest"("workflowId");

-- CreateIndex
CREATE INDEX "MembershipChangeRequest_practiceCode_status_idx" ON "MembershipChangeRequest"("practiceCode", "status");

-- CreateIndex
CREATE INDEX "MembershipChangeRequest_fromConsortiumCode_status_idx" ON "MembershipChangeRequest"("fromConsortiumCode", "status");

-- CreateIndex
CREATE INDEX "MembershipChangeRequest_toConsortiumCode_status_idx" ON "MembershipChangeRequest"("toConsortiumCode", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Person_userId_key" ON "Person"("userId");

-- CreateIndex
CREATE INDEX "OfficerAppointment_consortiumCode_role_idx" ON "OfficerAppointment"("consortiumCode", "role");

-- CreateIndex
CREATE INDEX "OfficerAppointment_personId_idx" ON "OfficerAppointment"("personId");

-- CreateIndex
CREATE INDEX "DeclarationOfInterest_consortiumCode_idx" ON "DeclarationOfInterest"("consortiumCode");

-- CreateIndex
CREATE INDEX "DeclarationOfInterest_personId_idx" ON "DeclarationOfInterest"("personId");

-- CreateIndex
CREATE INDEX "DeclarationOfInterest_organisationId_idx" ON "DeclarationOfInterest"("organisationId");

-- CreateIndex
CREATE INDEX "CaseRecord_areaTeam_status_dueAt_idx" ON "CaseRecord"("areaTeam", "status", "dueAt");

-- CreateIndex
CREATE INDEX "CaseRecord_consortiumCode_status_idx" ON "CaseRecord"("consortiumCode", "status");

-- CreateIndex
CREATE INDEX "CaseRecord_kind_status_idx" ON "CaseRecord"("kind", "status");

-- CreateIndex
CREATE INDEX "CaseRecord_thirdPartyOrganisation_idx" ON "CaseRecord"("thirdPartyOrganisation");

-- CreateIndex
CREATE INDEX "CaseDeadline_status_dueAt_idx" ON "CaseDeadline"("status", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "CaseDeadline_workflowId_step_key" ON "CaseDeadline"("workflowId", "step");

-- CreateIndex
CREATE INDEX "CaseDecision_decidedAt_idx" ON "CaseDecision"("decidedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CaseDecision_workflowId_step_key" ON "CaseDecision"("workflowId", "step");

-- CreateIndex
CREATE UNIQUE INDEX "AssessmentResult_workflowId_step_criterionId_key" ON "AssessmentResult"("workflowId", "step", "criterionId");

-- CreateIndex
CREATE INDEX "Condition_consortiumCode_status_idx" ON "Condition"("consortiumCode", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Condition_workflowId_key_key" ON "Condition"("workflowId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ConditionReview_conditionId_key_key" ON "ConditionReview"("conditionId", "key");

-- CreateIndex
CREATE INDEX "InterventionTrigger_consortiumCode_idx" ON "InterventionTrigger"("consortiumCode");

-- CreateIndex
CREATE UNIQUE INDEX "InterventionTrigger_workflowId_key_key" ON "InterventionTrigger"("workflowId", "key");

-- CreateIndex
CREATE INDEX "ResponsibilityTransfer_consortiumCode_idx" ON "ResponsibilityTransfer"("consortiumCode");

-- CreateIndex
CREATE UNIQUE INDEX "ResponsibilityTransfer_workflowId_serviceLine_effectiveFrom_key" ON "ResponsibilityTransfer"("workflowId", "serviceLine", "effectiveFrom");

-- CreateIndex
CREATE UNIQUE INDEX "Notice_noticeKey_key" ON "Notice"("noticeKey");

-- CreateIndex
CREATE INDEX "Notice_workflowId_idx" ON "Notice"("workflowId");

-- CreateIndex
CREATE INDEX "Notice_consortiumCode_idx" ON "Notice"("consortiumCode");

-- CreateIndex
CREATE UNIQUE INDEX "NoticeResponse_responseKey_key" ON "NoticeResponse"("responseKey");

-- CreateIndex
CREATE INDEX "NoticeResponse_noticeId_idx" ON "NoticeResponse"("noticeId");

-- CreateIndex
CREATE UNIQUE INDEX "Procurement_workflowId_key" ON "Procurement"("workflowId");

-- CreateIndex
CREATE INDEX "Procurement_consortiumCode_status_idx" ON "Procurement"("consortiumCode", "status");

-- CreateIndex
CREATE INDEX "Procurement_thirdPartyKind_thirdPartyCode_idx" ON "Procurement"("thirdPartyKind", "thirdPartyCode");

-- CreateIndex
CREATE UNIQUE INDEX "Bid_procurementId_bidderId_key" ON "Bid"("procurementId", "bidderId");

-- CreateIndex
CREATE UNIQUE INDEX "Bid_id_procurementId_key" ON "Bid"("id", "procurementId");

-- CreateIndex
CREATE UNIQUE INDEX "Award_procurementId_key" ON "Award"("procurementId");

-- CreateIndex
CREATE UNIQUE INDEX "Award_bidId_key" ON "Award"("bidId");

-- CreateIndex
CREATE UNIQUE INDEX "Award_bidId_procurementId_key" ON "Award"("bidId", "procurementId");

-- CreateIndex
CREATE UNIQUE INDEX "AllocationRun_runKey_key" ON "AllocationRun"("runKey");

-- CreateIndex
CREATE UNIQUE INDEX "AllocationRun_workflowId_key" ON "AllocationRun"("workflowId");

-- CreateIndex
CREATE INDEX "AllocationRun_financialYear_basis_idx" ON "AllocationRun"("financialYear", "basis");

-- CreateIndex
CREATE INDEX "AllocationLine_consortiumCode_idx" ON "AllocationLine"("consortiumCode");

-- CreateIndex
CREATE INDEX "AllocationPracticeLine_consortiumCode_idx" ON "AllocationPracticeLine"("consortiumCode");

-- CreateIndex
CREATE UNIQUE INDEX "Milestone_key_key" ON "Milestone"("key");

-- CreateIndex
CREATE INDEX "Milestone_dueOn_idx" ON "Milestone"("dueOn");

-- CreateIndex
CREATE INDEX "Milestone_status_dueOn_idx" ON "Milestone"("status", "dueOn");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxEmail_key_key" ON "OutboxEmail"("key");

-- CreateIndex
CREATE INDEX "OutboxEmail_status_createdAt_idx" ON "OutboxEmail"("status", "createdAt");

-- CreateIndex
CREATE INDEX "OutboxEmail_workflowId_idx" ON "OutboxEmail"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "Consortium_onsCode_key" ON "Consortium"("onsCode");

-- CreateIndex
CREATE INDEX "Consortium_areaTeam_idx" ON "Consortium"("areaTeam");

-- AddForeignKey
ALTER TABLE "AreaTeam" ADD CONSTRAINT "AreaTeam_regionCode_fkey" FOREIGN KEY ("regionCode") REFERENCES "Region"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsortiumLocalAuthority" ADD CONSTRAINT "ConsortiumLocalAuthority_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsortiumLocalAuthority" ADD CONSTRAINT "ConsortiumLocalAuthority_localAuthorityCode_fkey" FOREIGN KEY ("localAuthorityCode") REFERENCES "LocalAuthority"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderGroupMember" ADD CONSTRAINT "ProviderGroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ProviderGroup"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderGroupMember" ADD CONSTRAINT "ProviderGroupMember_practiceCode_fkey" FOREIGN KEY ("practiceCode") REFERENCES "Practice"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderGroupMember" ADD CONSTRAINT "ProviderGroupMember_memberGroupId_fkey" FOREIGN KEY ("memberGroupId") REFERENCES "ProviderGroup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PrimaryCareTrustSha" ADD CONSTRAINT "PrimaryCareTrustSha_pctCode_fkey" FOREIGN KEY ("pctCode") REFERENCES "PrimaryCareTrust"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PrimaryCareTrustSha" ADD CONSTRAINT "PrimaryCareTrustSha_shaCode_fkey" FOREIGN KEY ("shaCode") REFERENCES "StrategicHealthAuthority"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PracticeListSize" ADD CONSTRAINT "PracticeListSize_practiceCode_fkey" FOREIGN KEY ("practiceCode") REFERENCES "Practice"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_changeRequestId_fkey" FOREIGN KEY ("changeRequestId") REFERENCES "MembershipChangeRequest"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MembershipChangeRequest" ADD CONSTRAINT "MembershipChangeRequest_practiceCode_fkey" FOREIGN KEY ("practiceCode") REFERENCES "Practice"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MembershipChangeRequest" ADD CONSTRAINT "MembershipChangeRequest_fromConsortiumCode_fkey" FOREIGN KEY ("fromConsortiumCode") REFERENCES "Consortium"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MembershipChangeRequest" ADD CONSTRAINT "MembershipChangeRequest_toConsortiumCode_fkey" FOREIGN KEY ("toConsortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MembershipChangeRequest" ADD CONSTRAINT "MembershipChangeRequest_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Person" ADD CONSTRAINT "Person_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OfficerAppointment" ADD CONSTRAINT "OfficerAppointment_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OfficerAppointment" ADD CONSTRAINT "OfficerAppointment_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeclarationOfInterest" ADD CONSTRAINT "DeclarationOfInterest_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeclarationOfInterest" ADD CONSTRAINT "DeclarationOfInterest_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRecord" ADD CONSTRAINT "CaseRecord_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRecord" ADD CONSTRAINT "CaseRecord_practiceCode_fkey" FOREIGN KEY ("practiceCode") REFERENCES "Practice"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRecord" ADD CONSTRAINT "CaseRecord_parentWorkflowId_fkey" FOREIGN KEY ("parentWorkflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseDeadline" ADD CONSTRAINT "CaseDeadline_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseDecision" ADD CONSTRAINT "CaseDecision_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AssessmentResult" ADD CONSTRAINT "AssessmentResult_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Condition" ADD CONSTRAINT "Condition_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Condition" ADD CONSTRAINT "Condition_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConditionReview" ADD CONSTRAINT "ConditionReview_conditionId_fkey" FOREIGN KEY ("conditionId") REFERENCES "Condition"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InterventionTrigger" ADD CONSTRAINT "InterventionTrigger_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InterventionTrigger" ADD CONSTRAINT "InterventionTrigger_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResponsibilityTransfer" ADD CONSTRAINT "ResponsibilityTransfer_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResponsibilityTransfer" ADD CONSTRAINT "ResponsibilityTransfer_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notice" ADD CONSTRAINT "Notice_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notice" ADD CONSTRAINT "Notice_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NoticeResponse" ADD CONSTRAINT "NoticeResponse_noticeId_fkey" FOREIGN KEY ("noticeId") REFERENCES "Notice"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Procurement" ADD CONSTRAINT "Procurement_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Procurement" ADD CONSTRAINT "Procurement_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bid" ADD CONSTRAINT "Bid_procurementId_fkey" FOREIGN KEY ("procurementId") REFERENCES "Procurement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Award" ADD CONSTRAINT "Award_procurementId_fkey" FOREIGN KEY ("procurementId") REFERENCES "Procurement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Award" ADD CONSTRAINT "Award_bidId_procurementId_fkey" FOREIGN KEY ("bidId", "procurementId") REFERENCES "Bid"("id", "procurementId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AllocationRun" ADD CONSTRAINT "AllocationRun_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AllocationLine" ADD CONSTRAINT "AllocationLine_runId_fkey" FOREIGN KEY ("runId") REFERENCES "AllocationRun"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AllocationLine" ADD CONSTRAINT "AllocationLine_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AllocationPracticeLine" ADD CONSTRAINT "AllocationPracticeLine_runId_fkey" FOREIGN KEY ("runId") REFERENCES "AllocationRun"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AllocationPracticeLine" ADD CONSTRAINT "AllocationPracticeLine_practiceCode_fkey" FOREIGN KEY ("practiceCode") REFERENCES "Practice"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AllocationPracticeLine" ADD CONSTRAINT "AllocationPracticeLine_consortiumCode_fkey" FOREIGN KEY ("consortiumCode") REFERENCES "Consortium"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Milestone" ADD CONSTRAINT "Milestone_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboxEmail" ADD CONSTRAINT "OutboxEmail_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "CaseRecord"("workflowId") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboxEmail" ADD CONSTRAINT "OutboxEmail_noticeId_fkey" FOREIGN KEY ("noticeId") REFERENCES "Notice"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Rules Prisma cannot express, written by hand. They are triggers and partial indexes, not CHECK or
-- EXCLUDE constraints, because the WebAssembly schema engine (scripts/migrate.ts) cannot introspect
-- CHECK/EXCLUDE constraints: with one in the database, `npm run db:migration` aborts.
-- ---------------------------------------------------------------------------------------------

-- A practice is in at most one consortium at a time (§2.11, §4.3). The init migration allows one open
-- membership per practice; this also refuses periods that overlap. `validTo` is exclusive. Writers are
-- serialised per practice (a row lock on the practice, which does not block foreign-key checks and, unlike
-- an advisory lock, takes no room in the shared lock table during a bulk import) so that two concurrent
-- transactions cannot both pass the test.
CREATE FUNCTION membership_one_consortium_at_a_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."validTo" IS NOT NULL AND NEW."validTo" < NEW."validFrom" THEN
    RAISE EXCEPTION 'membership of practice % ends (%) before it starts (%)', NEW."practiceCode", NEW."validTo", NEW."validFrom"
      USING ERRCODE = 'check_violation';
  END IF;
  PERFORM 1 FROM "Practice" WHERE "code" = NEW."practiceCode" FOR NO KEY UPDATE;
  IF EXISTS (
    SELECT 1 FROM "Membership" other
    WHERE other."practiceCode" = NEW."practiceCode" AND other."id" <> NEW."id"
      AND daterange(other."validFrom", other."validTo", '[)') && daterange(NEW."validFrom", NEW."validTo", '[)')
  ) THEN
    RAISE EXCEPTION 'practice % would be in two consortia at once (membership from % to %)', NEW."practiceCode", NEW."validFrom", coalesce(NEW."validTo"::text, 'open')
      USING ERRCODE = 'exclusion_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "Membership_one_consortium_at_a_time" BEFORE INSERT OR UPDATE OF "practiceCode", "validFrom", "validTo" ON "Membership"
  FOR EACH ROW EXECUTE FUNCTION membership_one_consortium_at_a_time();

-- List sizes: a quarter is named by its first month (`YYYY-MM`); counts are never negative; the total
-- is always the sum of the 18 sex × age band cells.
CREATE FUNCTION practice_list_size_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."period" !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
    RAISE EXCEPTION 'list-size period % is not YYYY-MM', NEW."period" USING ERRCODE = 'check_violation';
  END IF;
  IF LEAST(NEW."male0to4", NEW."male5to14", NEW."male15to24", NEW."male25to34", NEW."male35to44", NEW."male45to54", NEW."male55to64", NEW."male65to74", NEW."male75plus",
           NEW."female0to4", NEW."female5to14", NEW."female15to24", NEW."female25to34", NEW."female35to44", NEW."female45to54", NEW."female55to64", NEW."female65to74", NEW."female75plus") < 0 THEN
    RAISE EXCEPTION 'list size of practice % in % has a negative count', NEW."practiceCode", NEW."period" USING ERRCODE = 'check_violation';
  END IF;
  NEW."registeredPatients" :=
    NEW."male0to4" + NEW."male5to14" + NEW."male15to24" + NEW."male25to34" + NEW."male35to44" + NEW."male45to54" + NEW."male55to64" + NEW."male65to74" + NEW."male75plus" +
    NEW."female0to4" + NEW."female5to14" + NEW."female15to24" + NEW."female25to34" + NEW."female35to44" + NEW."female45to54" + NEW."female55to64" + NEW."female65to74" + NEW."female75plus";
  RETURN NEW;
END;
$$;
CREATE TRIGGER "PracticeListSize_total" BEFORE INSERT OR UPDATE ON "PracticeListSize"
  FOR EACH ROW EXECUTE FUNCTION practice_list_size_total();

-- A provider group member is a practice or another group, never both and never the group itself; a
-- member has one open row per group.
CREATE FUNCTION provider_group_member_valid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW."practiceCode" IS NULL) = (NEW."memberGroupId" IS NULL) THEN
    RAISE EXCEPTION 'a provider group member is either a practice or a group' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."memberGroupId" = NEW."groupId" THEN
    RAISE EXCEPTION 'provider group % cannot be a member of itself', NEW."groupId" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."validTo" IS NOT NULL AND NEW."validTo" < NEW."validFrom" THEN
    RAISE EXCEPTION 'provider group membership ends before it starts' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "ProviderGroupMember_valid" BEFORE INSERT OR UPDATE ON "ProviderGroupMember"
  FOR EACH ROW EXECUTE FUNCTION provider_group_member_valid();
CREATE UNIQUE INDEX "ProviderGroupMember_one_current_practice" ON "ProviderGroupMember"("groupId", "practiceCode") WHERE "validTo" IS NULL AND "practiceCode" IS NOT NULL;
CREATE UNIQUE INDEX "ProviderGroupMember_one_current_group" ON "ProviderGroupMember"("groupId", "memberGroupId") WHERE "validTo" IS NULL AND "memberGroupId" IS NOT NULL;

-- Officers (§4.1–4.2): an Accountable Officer and a CFO, at most one current holder of each role per
-- consortium. One person may be CFO of several consortia (§4.1), so nothing limits appointments per person.
CREATE FUNCTION officer_appointment_valid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."role" NOT IN ('accountable_officer', 'chief_finance_officer') THEN
    RAISE EXCEPTION 'officer role % is not accountable_officer or chief_finance_officer', NEW."role" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."validTo" IS NOT NULL AND NEW."validTo" < NEW."validFrom" THEN
    RAISE EXCEPTION 'officer appointment ends before it starts' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "OfficerAppointment_valid" BEFORE INSERT OR UPDATE ON "OfficerAppointment"
  FOR EACH ROW EXECUTE FUNCTION officer_appointment_valid();
CREATE UNIQUE INDEX "OfficerAppointment_one_current_per_role" ON "OfficerAppointment"("consortiumCode", "role") WHERE "validTo" IS NULL;
