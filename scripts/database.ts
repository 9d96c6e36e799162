/**
 * The database for one-shot commands (migrations, import, user admin): DATABASE_URL when it is set,
 * otherwise the embedded PostgreSQL under DATA_DIR, started for the command and stopped after it.
 * If `npm start` already runs the embedded server, its port answers and we use it as it is.
 */
import net from 'node:net';
import { loadConfig } from '../platform/config';
import { dataDir } from '../platform/paths';
import { startPostgres } from './services';

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function embeddedUrl(port: number, database = 'casework') {
  return `postgresql://casework:casework@127.0.0.1:${port}/${database}`;
}

export async function withDatabase<T>(task: (url: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (config.DATABASE_URL) return task(config.DATABASE_URL);
  if (await portAnswers(config.EMBEDDED_POSTGRES_PORT)) return task(embeddedUrl(config.EMBEDDED_POSTGRES_PORT));
  const postgres = await startPostgres({ dataDir: dataDir(config.DATA_DIR), port: config.EMBEDDED_POSTGRES_PORT });
  try {
    return await task(postgres.url);
  } finally {
    await postgres.stop();
  }
}
