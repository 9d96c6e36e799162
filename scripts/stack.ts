/**
 * The infrastructure the engine runs on, each piece embedded unless configuration names a real one:
 * PostgreSQL (DATABASE_URL), Temporal (TEMPORAL_ADDRESS) and SMTP (SMTP_URL). `npm start`, the test
 * run and the benchmarks all start it through here, so they run on the same components.
 */
import path from 'node:path';
import type { Config } from '../platform/config';
import { startMailCatcher, startPostgres, startTemporalDevServer, type MailCatcher, type Service } from './services';
import { ensureTemporalCli } from './toolchain';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  smtpUrl: string;
  /** The embedded mail catcher, when SMTP_URL was not given. */
  mail: MailCatcher | null;
  stop(): Promise<void>;
}

export async function startInfrastructure(
  config: Config,
  dataDir: string,
  options: { extraNamespaces?: string[] } = {},
): Promise<Infrastructure> {
  const started: Service[] = [];
  const stop = async () => {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  };
  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const postgres = await startPostgres({ dataDir, port: config.EMBEDDED_POSTGRES_PORT });
      started.push(postgres);
      databaseUrl = postgres.url;
    }
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl = config.TEMPORAL_UI_URL ?? null;
    if (!temporalAddress) {
      const temporal = await startTemporalDevServer({
        binary: await ensureTemporalCli(),
        dataDir,
        port: config.EMBEDDED_TEMPORAL_PORT,
        uiPort: config.EMBEDDED_TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        namespaces: options.extraNamespaces,
      });
      started.push(temporal);
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
    }
    let smtpUrl = config.SMTP_URL;
    let mail: MailCatcher | null = null;
    if (!smtpUrl) {
      mail = await startMailCatcher({ port: config.EMBEDDED_SMTP_PORT, dir: path.join(dataDir, 'mail') });
      started.push(mail);
      smtpUrl = mail.url;
    }
    return { databaseUrl, temporalAddress, temporalUiUrl, smtpUrl, mail, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The environment that points the worker and the API at this infrastructure. */
export function infrastructureEnv(config: Config, infra: Infrastructure): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    SMTP_URL: infra.smtpUrl,
    API_PORT: String(config.API_PORT),
    ...(config.PUBLIC_URL ? { PUBLIC_URL: config.PUBLIC_URL } : {}),
    LOG_LEVEL: config.LOG_LEVEL,
  };
}
