-- Issue 16, item 4: an unfinished Idempotency-Key claim is a lease. The request that holds it renews
-- "heartbeatAt" while its handler runs; a claim not renewed for IDEMPOTENCY_TAKEOVER_SECONDS (its API
-- process died) is taken over by a retry with the same key.
ALTER TABLE "IdempotencyRecord" ADD COLUMN "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
