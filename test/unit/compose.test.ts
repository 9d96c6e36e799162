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

type Service = { environment?: Record<string, string | number>; command?: string[]; build?: string };
const compose = parse(fs.readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

describe('docker-compose.yml', () => {
  it('When parsed, then it has postgres, Temporal, its UI, a mail catcher, the worker and the api', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'mailpit', 'worker', 'api']),
    );
    expect(appServices.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
  });

  it.each(appServices)(
    'When %s is configured, then every variable is in the configuration schema and its values pass it',
    (_name, service) => {
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const unknown = Object.keys(env).filter((key) => !configKeys.includes(key));
      expect(unknown).toEqual([]);
      const config = loadConfig(env);
      expect(config.DATABASE_URL).toMatch(/^postgresql:\/\/.+@postgres:5432\//);
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
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
