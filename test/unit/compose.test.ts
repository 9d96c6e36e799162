/**
 * docker-compose.yml cannot run here (no Docker engine), so it is checked by parsing: the app
 * containers use only variables the configuration schema knows, and their values pass it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from '../../platform/config';
import { projectRoot } from '../../platform/paths';
import { HISTORY_SHARDS, TEMPORAL_SERVICES } from '../../scripts/temporalCluster';

type Service = {
  environment?: Record<string, string | number>;
  command?: string[];
  build?: string;
  deploy?: { replicas?: number };
};
const compose = parse(fs.readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

describe('docker-compose.yml', () => {
  it('When parsed, then it has postgres, Temporal, its UI, a mail catcher, the worker and the api', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal-frontend', 'temporal-ui', 'mailpit', 'worker', 'api']),
    );
    expect(appServices.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
  });

  it('When parsed, then it runs the topology of npm run start:cluster: four Temporal services, 2 workers, 2 APIs', () => {
    for (const service of TEMPORAL_SERVICES) {
      const entry = compose.services[`temporal-${service}`];
      expect(entry?.environment?.SERVICES, service).toBe(service);
      expect(Number(entry?.environment?.NUM_HISTORY_SHARDS), service).toBe(HISTORY_SHARDS);
    }
    expect(compose.services.worker?.deploy?.replicas).toBe(2);
    expect(compose.services.api?.deploy?.replicas).toBe(2);
  });

  it.each(appServices)(
    'When %s is configured, then every variable is in the configuration schema and its values pass it',
    (_name, service) => {
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const unknown = Object.keys(env).filter((key) => !configKeys.includes(key));
      expect(unknown).toEqual([]);
      const config = loadConfig(env);
      expect(config.DATABASE_URL).toMatch(/^postgresql:\/\/.+@postgres:5432\//);
      expect(config.TEMPORAL_ADDRESS).toBe('temporal-frontend:7233');
      expect(config.SMTP_URL).toBe('smtp://mailpit:1025');
    },
  );

  it('When the app runs in compose, then it talks to the compose services by name', () => {
    const names = new Set(Object.keys(compose.services));
    for (const [, service] of appServices) {
      const env = service.environment ?? {};
      expect(names.has(new URL(String(env.DATABASE_URL)).hostname)).toBe(true);
      expect(names.has(String(env.TEMPORAL_ADDRESS).split(':')[0] ?? '')).toBe(true);
      expect(names.has(new URL(String(env.SMTP_URL)).hostname)).toBe(true);
    }
  });
});
