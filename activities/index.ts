import type { Db } from '../platform/db';
import { createCaseRecordActivities, systemClock, type Clock } from './caseRecords';

export interface ActivityDeps {
  db: Db;
  clock?: Clock;
}

/** Every activity, built from its dependencies (Prisma client, clock; the mailer joins with notices). */
export function createActivities({ db, clock = systemClock }: ActivityDeps) {
  return { ...createCaseRecordActivities({ db, clock }) };
}

export type Activities = ReturnType<typeof createActivities>;
