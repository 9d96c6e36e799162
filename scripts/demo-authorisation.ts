/**
 * `npm run demo:authorisation`: all 211 real consortia through authorisation in the four 2012/13
 * waves, on a simulated clock from July 2012 to July 2013 (Process 1; §4.1–4.9, §7.1). The production
 * workflow and activities run on Temporal's time-skipping test server against the imported 2013 data,
 * with every notice e-mailed to a loopback SMTP catcher. Assessment results are pseudo-random and
 * reproducible (`--seed`); see scripts/authorisationWaves.ts for the chances and what they mirror.
 *
 *   npm run demo:authorisation
 *   npm run demo:authorisation -- --seed 7      another reproducible set of results
 *   npm run demo:authorisation -- --keep        keep the database and print its URL
 *   npm run demo:authorisation -- --consortia 20   only the first 20 consortia (by code), for a quick look
 */
import { parseArgs } from 'node:util';
import { APPLICATIONS_OPEN, runAuthorisationWaves } from './authorisationWaves';
import { elapsed, runSimulation, say } from './simulation';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '2013' },
    keep: { type: 'boolean', default: false },
    consortia: { type: 'string' },
  },
});
if (values.consortia !== undefined && !/^[1-9]\d*$/.test(values.consortia)) {
  console.error(`--consortia: expected a whole number of consortia, such as 20, not "${values.consortia}"`);
  process.exit(2);
}

await runSimulation(
  {
    startOn: APPLICATIONS_OPEN,
    taskQueue: 'demo-authorisation',
    keep: values.keep,
    ...(values.consortia ? { consortia: Number(values.consortia) } : {}),
  },
  async (simulation) => {
    say(`${elapsed()}  ${APPLICATIONS_OPEN}  seed ${values.seed}`);
    const result = await runAuthorisationWaves(simulation, values.seed);

    // What PostgreSQL holds: the consortia's statuses, the decisions and the notices, as the API would show them.
    const { db } = simulation;
    const [statuses, decisions, notices] = await Promise.all([
      db.consortium.groupBy({ by: ['status'], _count: true, orderBy: { status: 'asc' } }),
      db.caseDecision.count({ where: { case: { kind: 'authorisation' }, step: 'decision' } }),
      db.notice.count({ where: { case: { kind: 'authorisation' } } }),
    ]);

    const counts = [
      'consortia',
      'authorised',
      'withConditions',
      'notAuthorised',
      'directions',
      'conditions',
      'responsesMissed',
    ] as const;
    type Counts = Record<(typeof counts)[number], number>;
    const total = Object.fromEntries(
      counts.map((key) => [key, result.waves.reduce((sum, w) => sum + w[key], 0)]),
    ) as Counts;
    const row = (label: string, w: Counts) =>
      `  ${label.padEnd(22)}${String(w.consortia).padStart(9)}${String(w.authorised).padStart(12)}${String(w.withConditions).padStart(17)}` +
      `${String(w.directions).padStart(12)}${String(w.notAuthorised).padStart(16)}` +
      `${String(w.conditions).padStart(12)}${String(w.responsesMissed).padStart(18)}`;
    say(`\nAuthorisation outcomes by wave (seed ${values.seed})`);
    say(
      `  ${'wave'.padEnd(22)}${'consortia'.padStart(9)}${'authorised'.padStart(12)}${'with conditions'.padStart(17)}` +
        `${'directions'.padStart(12)}${'not authorised'.padStart(16)}` +
        `${'conditions'.padStart(12)}${'responses missed'.padStart(18)}`,
    );
    for (const w of result.waves) say(row(`${w.wave} (${w.decisionDate})`, w));
    say(row('total', total));
    say(`  2012/13 for comparison: 168 of 211 authorised with conditions, 15 with directions (DOMAIN.md, Process 1)`);
    say(`\n  established           ${result.established} consortia on 2013-04-01`);
    say(
      `  missed plans          ${result.escalatedForMissedPlans} condition(s) escalated when their rectification plan was not agreed in time`,
    );
    say(
      `  review ${result.review.date}    ${result.review.discharged} discharged, ${result.review.varied} varied, ${result.review.escalated} escalated; ` +
        `${result.review.consortiaStillWithConditions} consortia still have conditions (2012/13: 59 by July 2013)`,
    );
    say(
      `  PostgreSQL            consortia ${statuses.map((s) => `${s._count} ${s.status}`).join(', ')}; ${decisions} decisions; ${notices} notices`,
    );
    say(`  e-mails               ${simulation.mailsReceived()} received by the SMTP catcher`);
    say(`  wall time             ${elapsed().trim()}`);
  },
);
