import type { Db } from '../platform/db';
import { createCaseRecordActivities, systemClock, type Clock } from './caseRecords';
import { createNoticeActivities, type Mailer } from './notices';

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  clock?: Clock;
}

/** Every activity, built from its dependencies: the Prisma client, the mailer and the clock. */
export function createActivities({ db, mailer, clock = systemClock }: ActivityDeps) {
  return {
    ...createCaseRecordActivities({ db, clock }),
    ...createNoticeActivities({ db, mailer, clock }),
    // [issue 4: authorisation activities]
    // [issue 5: intervention activities]
    // [issue 6: procurement activities]
    // [issue 7: timetable, allocation and coverage activities]
  };
}

export type Activities = ReturnType<typeof createActivities>;
