/**
 * The walking skeleton end to end: HTTP → API → real Temporal dev server → worker → Prisma → real
 * PostgreSQL, including a worker killed (SIGKILL) while the workflow waits and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { projectRoot } from '../../platform/paths';
import { shadowFormationWorkflowId } from '../../workflows/contracts/shadowFormation';
import { createHarness, seedAreaTeams, eventually, type Harness } from './support';

let h: Harness;
let admin: string;
let officer: string;
let consortiumOfficer: string;
const practices = ['Z90001', 'Z90002', 'Z90003', 'Z90004'];

beforeAll(async () => {
  h = await createHarness('it-shadow-formation');
  await seedAreaTeams(h.db, ['Q99']);
  await h.db.practice.createMany({
    data: practices.map((code) => ({ code, name: `Integration practice ${code}` })),
    skipDuplicates: true,
  });
  admin = await h.token({ name: 'IT admin', role: 'admin' });
  officer = await h.token({ name: 'IT officer', role: 'case_officer', areaTeams: ['Q99'] });
  consortiumOfficer = await h.token({
    name: 'IT consortium officer',
    role: 'consortium_officer',
    consortiumCode: 'Z01',
  });
});
afterAll(async () => {
  await h?.close();
});

const post = (url: string, token: string | null, body: unknown) => {
  const req = request(h.app).post(url).set('content-type', 'application/json');
  return (token ? req.set('authorization', `Bearer ${token}`) : req).send(JSON.stringify(body));
};

describe('shadow formation over HTTP', () => {
  it('When a case officer registers and recognises a consortium, then the record, status and audit history are in PostgreSQL', async () => {
    await h.startWorker();
    const created = await post('/consortia', officer, {
      code: 'Z01',
      name: 'NHS Integration One',
      areaTeam: 'Q99',
      memberPracticeCodes: ['Z90001', 'Z90002'],
    });
    expect(created.status).toBe(202);
    expect(created.headers.location).toBe('/consortia/Z01');

    const waiting = await eventually(async () => {
      const res = await request(h.app).get('/consortia/Z01');
      return res.body.formation?.stage === 'awaiting_recognition' ? res.body : null;
    }, 'awaiting_recognition');
    expect(waiting.status).toBe('forming');
    expect(waiting.memberships.map((m: { practiceCode: string }) => m.practiceCode).sort()).toEqual([
      'Z90001',
      'Z90002',
    ]);

    const recognised = await post('/consortia/Z01/recognition', officer, { note: 'meets the shadow criteria' });
    expect(recognised.status).toBe(200);
    expect(recognised.body.stage).toBe('recognised');

    await h.temporal.workflow.getHandle(shadowFormationWorkflowId('Z01')).result();
    const row = await h.db.consortium.findUniqueOrThrow({ where: { code: 'Z01' } });
    expect(row.status).toBe('shadow');
    const audit = await h.db.auditEvent.findMany({
      where: { subjectType: 'consortium', subjectId: 'Z01' },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['consortium.shadow_registered', 'consortium.shadow']);
    expect(audit.every((a) => a.actor !== '')).toBe(true);
  });

  it('When the request is invalid, then the API answers 4xx problem+json and nothing changes', async () => {
    const before = await h.db.consortium.count();
    const noToken = await post('/consortia', null, { code: 'Z02', name: 'X', memberPracticeCodes: ['Z90003'] });
    expect(noToken.status).toBe(401);
    const wrongRole = await post('/consortia', consortiumOfficer, {
      code: 'Z02',
      name: 'X',
      memberPracticeCodes: ['Z90003'],
    });
    expect(wrongRole.status).toBe(403);
    const unknownPractice = await post('/consortia', officer, {
      code: 'Z02',
      name: 'X',
      memberPracticeCodes: ['Z99999'],
    });
    expect(unknownPractice.status).toBe(422);
    expect(unknownPractice.headers['content-type']).toContain('application/problem+json');
    expect(unknownPractice.body.errors[0].field).toBe('body.memberPracticeCodes.0');
    const takenPractice = await post('/consortia', officer, {
      code: 'Z02',
      name: 'X',
      memberPracticeCodes: ['Z90001'],
    });
    expect(takenPractice.status).toBe(422);
    expect(takenPractice.body.errors[0].reason).toContain('Z01');
    const again = await post('/consortia', officer, {
      code: 'Z01',
      name: 'NHS Integration One',
      memberPracticeCodes: ['Z90001'],
    });
    expect(again.status).toBe(409);
    const twice = await post('/consortia/Z01/recognition', officer, {});
    expect(twice.status).toBe(409);
    const missing = await post('/consortia/Z77/recognition', officer, {});
    expect(missing.status).toBe(404);
    expect(await h.db.consortium.count()).toBe(before);
  });

  it('When the worker is killed while the workflow waits and started again, then the workflow completes', async () => {
    const worker = startWorkerProcess();
    try {
      await worker.ready;
      const created = await post('/consortia', admin, {
        code: 'Z03',
        name: 'NHS Integration Three',
        memberPracticeCodes: ['Z90003'],
      });
      expect(created.status).toBe(202);
      await eventually(
        async () => (await request(h.app).get('/consortia/Z03')).body.formation?.stage === 'awaiting_recognition',
        'Z03 waiting',
      );
    } finally {
      worker.process.kill('SIGKILL');
    }
    await new Promise((resolve) => worker.process.once('exit', resolve));

    const restarted = startWorkerProcess();
    try {
      await restarted.ready;
      const recognised = await post('/consortia/Z03/recognition', admin, {});
      expect(recognised.status).toBe(200);
      const result = await h.temporal.workflow.getHandle(shadowFormationWorkflowId('Z03')).result();
      expect(result.stage).toBe('recognised');
      expect((await h.db.consortium.findUniqueOrThrow({ where: { code: 'Z03' } })).status).toBe('shadow');
    } finally {
      restarted.process.kill('SIGTERM');
      await new Promise((resolve) => restarted.process.once('exit', resolve));
    }
  });
});

/** The real worker entry point (worker/main.ts) as a separate process, so it can be killed. */
function startWorkerProcess(): { process: ChildProcess; ready: Promise<void> } {
  // node itself with tsx's loader, so that SIGKILL kills the worker and leaves no orphan behind.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'worker', 'main.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      SMTP_URL: h.smtpUrl,
      TEMPORAL_NAMESPACE: h.namespace,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"worker started"')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before it started:\n${output.slice(-2000)}`)),
    );
  });
  return { process: child, ready };
}
