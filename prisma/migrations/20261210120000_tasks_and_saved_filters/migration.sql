-- Issue 13: a task for every pending human step of every process, opened and closed in the transaction
-- of the step (activities/tasks.ts); saved inbox filters per user; team leads may reassign tasks.

-- AlterTable
ALTER TABLE "User" ADD COLUMN "teamLead" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'step',
    "step" TEXT NOT NULL,
    "item" TEXT,
    "title" TEXT NOT NULL,
    "roles" TEXT[],
    "stage" TEXT NOT NULL,
    "consortiumCode" TEXT,
    "areaTeam" TEXT,
    "thirdPartyOrganisation" TEXT,
    "urgency" INTEGER NOT NULL DEFAULT 1,
    "dueAt" TIMESTAMP(3),
    "stepDueAt" TIMESTAMP(3),
    "due" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "assigneeId" TEXT,
    "assignedAt" TIMESTAMP(3),
    "onHoldUntil" TIMESTAMP(3),
    "holdReason" TEXT,
    "openedByStep" TEXT NOT NULL,
    "openedSeq" INTEGER NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedByStep" TEXT,
    "closedSeq" INTEGER,
    "closedAt" TIMESTAMP(3),
    "completedBy" TEXT,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SavedFilter" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SavedFilter_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Task_key_key" ON "Task"("key");

-- CreateIndex
CREATE INDEX "Task_workflowId_status_idx" ON "Task"("workflowId", "status");

-- CreateIndex
CREATE INDEX "Task_status_areaTeam_due_idx" ON "Task"("status", "areaTeam", "due");

-- CreateIndex
CREATE INDEX "Task_status_consortiumCode_idx" ON "Task"("status", "consortiumCode");

-- CreateIndex
CREATE INDEX "Task_status_thirdPartyOrganisation_idx" ON "Task"("status", "thirdPartyOrganisation");

-- CreateIndex
CREATE INDEX "Task_assigneeId_status_idx" ON "Task"("assigneeId", "status");

-- CreateIndex
CREATE INDEX "Task_completedBy_closedAt_idx" ON "Task"("completedBy", "closedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SavedFilter_userId_name_key" ON "SavedFilter"("userId", "name");

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SavedFilter" ADD CONSTRAINT "SavedFilter_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- At most one open task per pending step of a case: a second open one would be a lost close.
CREATE UNIQUE INDEX "Task_one_open_per_step" ON "Task"("workflowId", "step", (COALESCE("item", ''))) WHERE "status" = 'open' AND "source" = 'step';
