/** `npm run api`: serves the API on API_PORT against DATABASE_URL and TEMPORAL_ADDRESS. */
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { ensureSearchAttributes } from '../platform/searchAttributes';
import { createLogger } from '../platform/log';
import { createApp } from './app';

const log = createLogger({ service: 'api' });
const config = loadConfig();
if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
  log.error('the API needs DATABASE_URL and TEMPORAL_ADDRESS (npm start sets both for the embedded services)');
  process.exit(2);
}
const db = createDb(config.DATABASE_URL);
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
const server = createApp({ db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, log }).listen(
  config.API_PORT,
  '0.0.0.0',
  () => log.info('api listening', { port: config.API_PORT }),
);
const shutdown = () => {
  log.info('api stopping');
  server.close(() => {
    void Promise.all([connection.close(), db.$disconnect()]).then(() => process.exit(0));
  });
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
