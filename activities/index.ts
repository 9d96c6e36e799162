import { createAuthorisationActivities } from './authorisation';
import type { Db } from '../platform/db';
import { createAllocationActivities } from './allocation';
import { createAssuranceActivities } from './assurance';
import { createCaseRecordActivities, systemClock, type Clock } from './caseRecords';
import { createMembershipActivities } from './membership';
import { createInterventionActivities } from './intervention';
import { createNoticeActivities, type Mailer } from './notices';
import { createPolicyActivities } from './policy';
import { createProcurementActivities } from './procurement';
import { createQualityPremiumActivities } from './qualityPremium';
import { createTimetableActivities } from './timetable';

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  clock?: Clock;
  /** The web app's public base URL, for the case link in every e-mail (platform/config.ts publicUrlOf). */
  publicUrl?: string | undefined;
  /** How long a sending attempt holds its e-mails (config OUTBOX_LEASE_SECONDS; activities/notices.ts). */
  outboxLeaseMs?: number;
}

/** Every activity, built from its dependencies: the Prisma client, the mailer and the clock. */
export function createActivities({ db, mailer, clock = systemClock, publicUrl, outboxLeaseMs }: ActivityDeps) {
  return {
    ...createCaseRecordActivities({ db, clock }),
    ...createNoticeActivities({ db, mailer, clock, publicUrl, outboxLeaseMs }),
    ...createMembershipActivities({ db, clock }), // [issue 3: membership change activities]
    ...createAuthorisationActivities({ db, clock }),
    // [issue 4: authorisation activities]
    ...createInterventionActivities({ db, mailer, clock, publicUrl }),
    // [issue 5: intervention activities]
    ...createProcurementActivities({ db, clock }),
    // [issue 6: procurement activities]
    ...createTimetableActivities({ db, clock }),
    ...createAllocationActivities({ db, mailer, clock, publicUrl }),
    // [issue 7: timetable, allocation and coverage activities]
    ...createAssuranceActivities({ db, clock }),
    ...createQualityPremiumActivities({ db, clock }),
    // [issue 17: assurance activities]
    ...createPolicyActivities({ db }),
    // [issue 15: moving a running case to another policy version]
  };
}

export type Activities = ReturnType<typeof createActivities>;
