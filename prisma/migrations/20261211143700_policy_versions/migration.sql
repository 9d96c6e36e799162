-- Issue 15: policy as versioned, effective-dated data. Each row is one version of the whole policy
-- document (domain/policyDocument.ts); the 2012/13 version is seeded at start-up from
-- domain/policySeed.ts (scripts/migrate.ts seedPolicy), so its numbers are written in one place only.
-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "basedOn" TEXT,
    "effectiveFrom" DATE,
    "reasons" TEXT,
    "authorId" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMP(3),
    "publishedById" TEXT,
    "publishedByName" TEXT,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PolicyVersion_status_effectiveFrom_idx" ON "PolicyVersion"("status", "effectiveFrom");

-- A version is a draft, or published with its effective date, reasons and publisher.
ALTER TABLE "PolicyVersion" ADD CONSTRAINT "PolicyVersion_status_check" CHECK (
    "status" = 'draft'
    OR ("status" = 'published' AND "effectiveFrom" IS NOT NULL AND "reasons" IS NOT NULL
        AND "publishedAt" IS NOT NULL AND "publishedById" IS NOT NULL)
);

-- A published version is never changed or deleted: cases cite it (§5.19). Drafts may be edited.
CREATE FUNCTION policy_version_published_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD."status" = 'published' THEN
        RAISE EXCEPTION 'policy version % is published and cannot be changed', OLD."id";
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "PolicyVersion_published_is_final"
    BEFORE UPDATE OR DELETE ON "PolicyVersion"
    FOR EACH ROW EXECUTE FUNCTION policy_version_published_is_final();
