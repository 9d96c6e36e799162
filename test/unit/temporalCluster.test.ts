/**
 * The production topology's pieces that need no server: the Temporal config each service is given
 * (scripts/temporalCluster.ts), and the supervisor that keeps a killed process up (scripts/processes.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { supervise } from '../../scripts/processes';
import { HISTORY_SHARDS, TEMPORAL_SERVICES, temporalServerConfig } from '../../scripts/temporalCluster';
import { postgresTarget } from '../../scripts/topology';

const options = {
  postgres: postgresTarget('postgresql://casework:s%40cret@db.example:6543/casework'),
  frontendPort: 17233,
  metricsPort: 18000,
  dir: '/tmp/cluster',
};

describe('the Temporal server config', () => {
  it('When each service is configured, then all share the databases, the shards and the ports, each with a metrics port of its own', () => {
    const configs = TEMPORAL_SERVICES.map((service) => temporalServerConfig(options, service)) as Array<{
      persistence: { numHistoryShards: number; datastores: Record<string, { sql: Record<string, unknown> }> };
      services: Record<string, { rpc: { grpcPort: number } }>;
      global: { metrics: { prometheus: { listenAddress: string } } };
    }>;
    for (const config of configs) {
      expect(config.persistence.numHistoryShards).toBe(HISTORY_SHARDS);
      expect(config.persistence.datastores['postgres-default']?.sql).toMatchObject({
        pluginName: 'postgres12',
        databaseName: 'temporal',
        connectAddr: 'db.example:6543',
        user: 'casework',
        password: 's@cret',
      });
      expect(config.persistence.datastores['postgres-visibility']?.sql.databaseName).toBe('temporal_visibility');
      expect(config.services.frontend?.rpc.grpcPort).toBe(17233);
      expect(Object.keys(config.services).sort()).toEqual([...TEMPORAL_SERVICES].sort());
    }
    const metrics = configs.map((c) => c.global.metrics.prometheus.listenAddress);
    expect(new Set(metrics).size).toBe(TEMPORAL_SERVICES.length);
    const grpcPorts = Object.values(configs[0]?.services ?? {}).map((s) => s.rpc.grpcPort);
    expect(new Set(grpcPorts).size).toBe(TEMPORAL_SERVICES.length);
  });
});

describe('the supervisor', () => {
  it('When a supervised process is killed with SIGKILL, then it is started again and ready, until it is stopped', async () => {
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'casework-supervise-')), 'sleep.log');
    const events: string[] = [];
    const sleeper = supervise(
      {
        name: 'sleeper',
        command: process.execPath,
        args: ['-e', 'console.log("up"); setTimeout(() => {}, 60_000)'],
        logFile,
        ready: async () => undefined,
        restartDelayMs: 50,
      },
      (message) => events.push(message),
    );
    await sleeper.ready();
    const first = sleeper.pid();
    expect(first).not.toBeNull();
    await sleeper.kill('SIGKILL');
    await sleeper.ready();
    expect(sleeper.pid()).not.toBe(first);
    expect(sleeper.restarts()).toBe(1);
    expect(events[0]).toContain('sleeper exited (SIGKILL)');
    await sleeper.stop();
    expect(sleeper.pid()).toBeNull();
    expect(sleeper.restarts()).toBe(1);
  });
});
