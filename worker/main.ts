/** `npm run worker`: runs the Worker against TEMPORAL_ADDRESS and DATABASE_URL until SIGINT/SIGTERM. */
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig, publicUrlOf } from '../platform/config';
import { createDb } from '../platform/db';
import { ensureSearchAttributes } from '../platform/searchAttributes';
import { createMailer } from '../platform/mail';
import { createLogger } from '../platform/log';
import { describeScenarioClock, fixScenarioClock, parseAsOf } from '../platform/scenarioClock';
import { createWorker } from './index';
import { installTemporalRuntime } from './runtime';

const log = createLogger({ service: 'worker' });
const config = loadConfig();
installTemporalRuntime(config.LOG_LEVEL, config.WORKER_METRICS_ADDRESS);
if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS || !config.SMTP_URL) {
  log.error(
    'the worker needs DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL (npm start sets them for the embedded services)',
  );
  process.exit(2);
}
const db = createDb(config.DATABASE_URL);
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
// Activities stamp case records, notices, e-mails and audit rows on the deployment's calendar.
const scenario = await fixScenarioClock(db, config.CASEWORK_AS_OF ? parseAsOf(config.CASEWORK_AS_OF) : undefined, {
  fixedBy: 'worker',
});
const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
const worker = await createWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  activities: createActivities({
    db,
    mailer,
    clock: scenario,
    publicUrl: publicUrlOf(config),
    outboxLeaseMs: config.OUTBOX_LEASE_SECONDS === undefined ? undefined : config.OUTBOX_LEASE_SECONDS * 1000,
  }),
  log,
  retryIntervalScale: config.RETRY_INTERVAL_SCALE,
});
log.info('worker started', {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  namespace: config.TEMPORAL_NAMESPACE,
  calendar: describeScenarioClock(scenario),
});
await worker.run(); // returns after SIGINT/SIGTERM (the SDK installs the handlers) once in-flight tasks finish
await connection.close();
mailer.close();
await db.$disconnect();
log.info('worker stopped');
