-- An e-mail is claimed by one activity attempt before it is sent (issue 11): an attempt still sending
-- when its retry starts holds the row until its lease ends, so the retry cannot send it a second time.
ALTER TABLE "OutboxEmail" ADD COLUMN "claimToken" TEXT;
ALTER TABLE "OutboxEmail" ADD COLUMN "claimedUntil" TIMESTAMP(3);
