/**
 * `npm run bench` (first part): our processes against bare Temporal, on the same dev server, in the
 * same run. The bare baseline (bench/bareWorkflow.ts) has the same shape — the same number of
 * activities and Updates, in the same order — with activities that do nothing; ours write case
 * records, audit history and notices through Prisma to PostgreSQL and e-mail through the outbox.
 *
 * 1. The walking skeleton: `shadowFormation` (2 activities, 1 Update), throughput.
 * 2. Authorisation, the happy path (issue 4): application, three evidence steps, moderation, the
 *    conditions panel and the decision as Updates, then establishment and closure; throughput. The
 *    bare shape is read from the history of a real run.
 * 3. One human step's round trip, HTTP → Update → activities → reply, through the real Express API on
 *    loopback, against the bare Update's round trip with the same activities; p50 and p99. Steps are
 *    sent one at a time, so the figures are latencies, not queueing.
 *
 * Measurements alternate round by round; medians of the rounds are printed, and each ratio.
 *   BENCH_N=50          skeleton workflows per round
 *   BENCH_AUTH_N=30     authorisation workflows per round
 *   BENCH_STEP_N=15     authorisation workflows per round whose 7 steps are timed over HTTP
 *   BENCH_ROUNDS=3
 */
import { SEEDED_POLICY } from '../domain/policySeed';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { createApp } from '../api/app';
import { createLogger } from '../platform/log';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../platform/paths';
import { createUserWithToken } from '../scripts/users';
import {
  authorisationInput,
  authorisationWorkflowId,
  decideAuthorisation,
  recordAssessmentStep,
  submitAuthorisationApplication,
  type AuthorisationActor,
} from '../workflows/contracts/authorisation';
import {
  recogniseShadowConsortium,
  shadowFormationWorkflowId,
  type ShadowFormationInput,
} from '../workflows/contracts/shadowFormation';
import { authorisationHappyPath } from './authorisationSteps';
import { bareStep, type BareShape } from './bareWorkflow';
import { median, percentile } from './stats';
import {
  alternate,
  BARE_QUEUE,
  REAL_QUEUE,
  say,
  shapeOf,
  throughput,
  updateWhenReady,
  withBenchStack,
  type BenchStack,
} from './support';

const N = Number(process.env.BENCH_N ?? 50);
const AUTH_N = Number(process.env.BENCH_AUTH_N ?? 30);
const STEP_N = Number(process.env.BENCH_STEP_N ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ratio = (ours: number, bare: number) => `${(ours / bare).toFixed(2)}x`;

/** Starts the bare process with `shape` and sends its steps as soon as it takes each; resolves when it completes. */
async function runBare(stack: BenchStack, id: string, shape: BareShape, onStep?: (ms: number) => void): Promise<void> {
  const handle = await stack.client.workflow.start('bareProcess', {
    taskQueue: BARE_QUEUE,
    workflowId: `bench-bare-${id}`,
    args: [shape],
  });
  for (let index = 0; index < shape.steps.length; index++) {
    // Timed from the attempt the workflow accepts (it refuses a step before it is ready for it).
    let started = 0;
    await updateWhenReady(() => ((started = performance.now()), handle.executeUpdate(bareStep, { args: [index] })));
    onStep?.(performance.now() - started);
  }
  await handle.result();
}

await withBenchStack(async (stack) => {
  const { db, client } = stack;
  say('importing the real 2013 data (the authorisation runs use the real consortia) …');
  await importNhs2013(db, { dir: NHS_2013_DIR });
  const consortia = await db.consortium.findMany({
    orderBy: { code: 'asc' },
    include: { memberships: { where: { validTo: null }, select: { practiceCode: true } } },
  });
  const needed = 1 + ROUNDS * AUTH_N + 1 + ROUNDS * STEP_N + 1;
  if (needed > consortia.length)
    throw new Error(`BENCH_AUTH_N and BENCH_STEP_N need ${needed} consortia; there are ${consortia.length}`);
  const nextConsortium = (() => {
    let next = 0;
    return () => consortia[next++] as (typeof consortia)[number];
  })();

  // ---- 1. the walking skeleton ------------------------------------------------------------------
  const policy = SEEDED_POLICY.general;
  const skeletonCodes = Array.from(
    { length: ROUNDS * N + 1 },
    (_, i) => `B${i.toString(36).toUpperCase().padStart(2, '0')}`,
  );
  const practiceCodes = skeletonCodes.map((_, i) => `Y${String(80000 + i)}`);
  await db.practice.createMany({ data: practiceCodes.map((code) => ({ code, name: `Bench practice ${code}` })) });
  const admin = { id: 'bench', role: 'admin' };
  const runSkeleton = async (i: number) => {
    const code = skeletonCodes[i] as string;
    const input: ShadowFormationInput = {
      code,
      name: `Bench consortium ${code}`,
      memberPracticeCodes: [practiceCodes[i] as string],
      actor: admin,
      policyVersion: policy.version,
      recognitionDays: policy.shadowRecognitionDays,
    };
    const handle = await client.workflow.start('shadowFormation', {
      taskQueue: REAL_QUEUE,
      workflowId: shadowFormationWorkflowId(code),
      args: [input],
    });
    await updateWhenReady(() => handle.executeUpdate(recogniseShadowConsortium, { args: [{ actor: admin }] }));
    await handle.result();
  };
  const skeletonShape: BareShape = { before: 1, steps: [0], after: 1 };
  await Promise.all([runBare(stack, 'skeleton-warm-up', skeletonShape), runSkeleton(ROUNDS * N)]);
  const skeleton = await alternate(ROUNDS, {
    bare: (round) =>
      throughput(`round ${round + 1} bare skeleton`, N, (i) => runBare(stack, `skeleton-${round}-${i}`, skeletonShape)),
    ours: (round) => throughput(`round ${round + 1} skeleton`, N, (i) => runSkeleton(round * N + i)),
  });
  const skeletonAudit = await db.auditEvent.count({ where: { subjectId: { in: skeletonCodes.slice(0, ROUNDS * N) } } });

  // ---- 2. authorisation, the happy path, through the Temporal client ----------------------------
  const caseOfficer: AuthorisationActor = { id: 'bench-case-officer', role: 'case_officer' };
  const panel: AuthorisationActor = { id: 'bench-panel', role: 'decision_panel' };
  /** The seven human steps of the happy path (bench/authorisationSteps.ts), as Updates too. */
  const happySteps = (consortium: (typeof consortia)[number]) => {
    const officer: AuthorisationActor = {
      id: `bench-officer-${consortium.code}`,
      role: 'consortium_officer',
      consortiumCode: consortium.code,
    };
    const actors = { consortium_officer: officer, case_officer: caseOfficer, decision_panel: panel };
    return authorisationHappyPath(consortium).map((step) => {
      const who = actors[step.role];
      const send = (h: WorkflowHandle) =>
        step.path === 'application'
          ? h.executeUpdate(submitAuthorisationApplication, {
              args: [{ actor: who, application: step.body as never }],
            })
          : step.path === 'decision'
            ? h.executeUpdate(decideAuthorisation, { args: [{ actor: who, decision: step.body as never }] })
            : h.executeUpdate(recordAssessmentStep, { args: [{ actor: who, record: step.body as never }] });
      return { ...step, who, send };
    });
  };
  const startAuthorisation = (consortium: (typeof consortia)[number]) =>
    client.workflow.start('authorisation', {
      taskQueue: REAL_QUEUE,
      workflowId: authorisationWorkflowId(consortium.code),
      args: [authorisationInput(consortium, caseOfficer, SEEDED_POLICY, { wave: 1 })],
    });
  const runAuthorisation = async (consortium: (typeof consortia)[number]) => {
    const handle = await startAuthorisation(consortium);
    for (const step of happySteps(consortium)) await updateWhenReady(() => step.send(handle));
    await handle.result();
    return handle;
  };
  const warmUp = await runAuthorisation(nextConsortium());
  const authShape = await shapeOf(warmUp);
  say(
    `authorisation happy path: ${authShape.activities} activities and ${authShape.steps.length} Updates ` +
      `(bare shape ${JSON.stringify({ before: authShape.before, steps: authShape.steps, after: authShape.after })})`,
  );
  await runBare(stack, 'authorisation-warm-up', authShape);
  const authConsortia = Array.from({ length: ROUNDS }, () => Array.from({ length: AUTH_N }, nextConsortium));
  const authorisation = await alternate(ROUNDS, {
    bare: (round) =>
      throughput(`round ${round + 1} bare authorisation`, AUTH_N, (i) =>
        runBare(stack, `authorisation-${round}-${i}`, authShape),
      ),
    ours: (round) =>
      throughput(
        `round ${round + 1} authorisation`,
        AUTH_N,
        async (i) => void (await runAuthorisation(authConsortia[round]?.[i] as (typeof consortia)[number])),
      ),
  });
  const authorised = await db.consortium.count({
    where: {
      status: 'authorised',
      code: { in: [warmUp.workflowId.split(':')[1] ?? '', ...authConsortia.flat().map((c) => c.code)] },
    },
  });

  // ---- 3. one human step's round trip over HTTP ----------------------------------------------------
  const app = createApp({
    db,
    temporal: client,
    taskQueue: REAL_QUEUE,
    log: createLogger({ service: 'bench' }, 'error'),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const areaTeams = [...new Set(consortia.map((c) => c.areaTeam).filter((team): team is string => team !== null))];
  const tokens = new Map<string, string>([
    [
      caseOfficer.id,
      (await createUserWithToken(db, { name: 'Bench case officer', role: 'case_officer', areaTeams })).token,
    ],
    [panel.id, (await createUserWithToken(db, { name: 'Bench panel', role: 'decision_panel' })).token],
  ]);
  const post = async (path: string, who: AuthorisationActor, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(who.id)}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${path} as ${who.role}: ${response.status} ${text}`);
  };
  const stepConsortia = Array.from({ length: ROUNDS }, () => Array.from({ length: STEP_N }, nextConsortium));
  for (const consortium of stepConsortia.flat()) {
    const { token } = await createUserWithToken(db, {
      name: `Bench officer ${consortium.code}`,
      role: 'consortium_officer',
      consortiumCode: consortium.code,
      email: `officer-${consortium.code.toLowerCase()}@bench.example`,
    });
    tokens.set(`bench-officer-${consortium.code}`, token);
  }
  /** Starts over HTTP, waits until the process has settled its opening activities, then times each step. */
  const timeHttpSteps = async (consortium: (typeof consortia)[number], samples: number[]) => {
    await post('/authorisations', caseOfficer, { consortiumCode: consortium.code, wave: 1 });
    const workflowId = authorisationWorkflowId(consortium.code);
    for (
      let i = 0;
      !(await db.auditEvent.findUnique({ where: { eventKey: `${workflowId}:decision-day:1` } })) ||
      !(await db.notice.findUnique({ where: { noticeKey: `${workflowId}:wave:1` } }));
      i++
    ) {
      if (i > 1500) throw new Error(`${workflowId} did not settle`);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const step of happySteps(consortium)) {
      const started = performance.now();
      await post(`/authorisations/${consortium.code}/${step.path}`, step.who, step.body);
      samples.push(performance.now() - started);
    }
    await client.workflow.getHandle(workflowId).result();
  };
  // An untimed run over HTTP warms the path up, and its history gives the bare shape for this part: here
  // each step is sent once the opening activities have settled, so they fall before the first step.
  const warmUpConsortium = nextConsortium();
  tokens.set(
    `bench-officer-${warmUpConsortium.code}`,
    (
      await createUserWithToken(db, {
        name: `Bench officer ${warmUpConsortium.code}`,
        role: 'consortium_officer',
        consortiumCode: warmUpConsortium.code,
      })
    ).token,
  );
  await timeHttpSteps(warmUpConsortium, []);
  const { activities: _, ...stepShape } = await shapeOf(
    client.workflow.getHandle(authorisationWorkflowId(warmUpConsortium.code)),
  );
  say(`one step at a time over HTTP: bare shape ${JSON.stringify(stepShape)}`);
  await runBare(stack, 'step-warm-up', stepShape);
  const httpSamples: number[] = [];
  const bareSamples: number[] = [];
  await alternate(ROUNDS, {
    bare: async (round) => {
      say(`round ${round + 1} bare Update round trips …`);
      for (let i = 0; i < STEP_N; i++)
        await runBare(stack, `step-${round}-${i}`, stepShape, (ms) => bareSamples.push(ms));
    },
    ours: async (round) => {
      say(`round ${round + 1} HTTP step round trips …`);
      for (const consortium of stepConsortia[round] ?? []) await timeHttpSteps(consortium, httpSamples);
    },
  });
  server.close();

  console.log('');
  console.log(`Same Temporal dev server, same run; ${ROUNDS} alternating rounds; medians of the rounds.`);
  console.log(`1. Walking skeleton, ${N} workflows per round (each: 2 activities + 1 Update)`);
  console.log(`   bare Temporal (no-op activities)              ${median(skeleton.bare).toFixed(1)} workflows/s`);
  console.log(`   shadowFormation (Prisma + PostgreSQL + audit) ${median(skeleton.ours).toFixed(1)} workflows/s`);
  console.log(
    `   ratio ours / bare                             ${ratio(median(skeleton.ours), median(skeleton.bare))}`,
  );
  console.log(`   audit rows written by the timed runs: ${skeletonAudit} (expected ${2 * ROUNDS * N})`);
  console.log(
    `2. Authorisation happy path, ${AUTH_N} workflows per round (each: ${authShape.activities} activities + ${authShape.steps.length} Updates)`,
  );
  console.log(`   bare Temporal, same shape                     ${median(authorisation.bare).toFixed(1)} workflows/s`);
  console.log(`   authorisation (records, notices, e-mail)      ${median(authorisation.ours).toFixed(1)} workflows/s`);
  console.log(
    `   ratio ours / bare                             ${ratio(median(authorisation.ours), median(authorisation.bare))} (target ≥ 0.8x)`,
  );
  console.log(`   consortia authorised by these runs: ${authorised} (expected ${1 + ROUNDS * AUTH_N})`);
  console.log(
    `3. One human step's round trip, ${httpSamples.length} HTTP steps and ${bareSamples.length} bare Updates`,
  );
  console.log(
    `   bare Update round trip (same activities)      p50 ${median(bareSamples).toFixed(1)} ms   p99 ${percentile(bareSamples, 99).toFixed(1)} ms`,
  );
  console.log(
    `   HTTP → Update → activities → reply            p50 ${median(httpSamples).toFixed(1)} ms   p99 ${percentile(httpSamples, 99).toFixed(1)} ms`,
  );
  console.log(
    `   ratio of p99s ours / bare                     ${ratio(percentile(httpSamples, 99), percentile(bareSamples, 99))} (target ≤ 1.5x); ` +
      `of p50s ${ratio(median(httpSamples), median(bareSamples))}`,
  );
  // Samples come in step order, seven to a workflow: the p50 and p99 of each step, to see where the time goes.
  const ofStep = (samples: number[], step: number) => samples.filter((_, i) => i % stepShape.steps.length === step);
  const stepNames = [
    'application',
    'desktop review',
    'stakeholder survey',
    'site visit',
    'moderation',
    'conditions panel',
    'decision',
  ];
  for (const [step, name] of stepNames.entries()) {
    const [ours, bare] = [ofStep(httpSamples, step), ofStep(bareSamples, step)];
    console.log(
      `     ${name.padEnd(20)} (${stepShape.steps[step]} activities)   ` +
        `p50 ${median(ours).toFixed(0).padStart(4)} / ${median(bare).toFixed(0).padStart(4)} ms   ` +
        `p99 ${percentile(ours, 99).toFixed(0).padStart(4)} / ${percentile(bare, 99).toFixed(0).padStart(4)} ms (ours / bare)`,
    );
  }
});
