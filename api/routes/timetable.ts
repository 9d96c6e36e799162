/**
 * /timetable and /milestones (Process 4; §2.22, §7.1): start the durable timetable, read its live state,
 * and list the milestones with their status from the Milestone table (public: the timetable is public).
 */
import { Router } from 'express';
import { z } from 'zod';
import { defaultTimetable, MILESTONE_KINDS } from '../../domain/timetable';
import { policyInForceNow } from '../readModels/policy';
import {
  timetableState,
  timetableStateSchema,
  timetableWorkflowIds,
  type TimetableInput,
  type TimetableState,
} from '../../workflows/contracts/timetable';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, pageSchema, toIsoDate } from '../schemas';
import { answerStarted } from '../started';
import { mapTemporalError, startCase } from '../temporal';
import { milestonesPage, type MilestoneRow } from '../readModels/milestones';
import { onScenarioCalendar } from '../../platform/scenarioClock';

const timetableName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and hyphens, e.g. reform');
const nameParam = z.strictObject({
  name: timetableName.describe("The timetable's name, e.g. `reform` (workflow `timetable:reform`)."),
});

export const startTimetableBody = z.strictObject({
  name: timetableName.default('reform').describe("The timetable's name; `reform` by default."),
});

const MILESTONE_STATUSES = ['scheduled', 'running', 'done', 'skipped', 'failed'] as const;

export const milestoneSchema = z.strictObject({
  key: z.string().describe('e.g. `announce-allocation:2013/14`.'),
  kind: z.string().describe(`One of: ${MILESTONE_KINDS.join(', ')}.`),
  title: z.string(),
  dueOn: isoDate,
  financialYear: z.string().nullable(),
  quarter: z.string().nullable().describe('e.g. `Q3 2012/13`.'),
  source: z.string().nullable().describe('The source paragraph.'),
  status: z.string().describe(`One of: ${MILESTONE_STATUSES.join(', ')}.`),
  completedAt: isoDateTime.nullable(),
  workflowId: z.string().nullable().describe('The process it started, or the timetable that holds it.'),
  summary: z.string().nullable(),
});

export const milestonesList = defineList({
  key: 'key',
  sortFields: { key: 'string', dueOn: 'datetime' },
  defaultSort: 'dueOn',
  filters: {
    status: z.enum(MILESTONE_STATUSES).optional().describe('Only milestones with this status.'),
    kind: z.enum(MILESTONE_KINDS).optional().describe('Only milestones of this kind.'),
    financialYear: z
      .string()
      .regex(/^\d{4}\/\d{2}$/, 'must be a financial year such as 2012/13')
      .optional()
      .describe('Only milestones falling in this financial year, e.g. `2012/13`.'),
  },
});

const toMilestone = (row: MilestoneRow): z.output<typeof milestoneSchema> => ({
  key: row.key,
  kind: row.kind,
  title: row.title,
  dueOn: toIsoDate(row.dueOn),
  financialYear: row.financialYear,
  quarter: row.quarter,
  source: row.source,
  status: row.status,
  completedAt: row.completedAt ? row.completedAt.toISOString() : null,
  // A process without a case record (the assurance round) is named in the details (activities/timetable.ts markMilestone).
  workflowId:
    row.workflowId ??
    (typeof (row.details as { processWorkflowId?: unknown }).processWorkflowId === 'string'
      ? (row.details as { processWorkflowId: string }).processWorkflowId
      : null),
  summary:
    typeof (row.details as { summary?: unknown }).summary === 'string'
      ? (row.details as { summary: string }).summary
      : null,
});

export function timetableRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** `GET /timetable/{name}`, and the probe of the start. */
  async function readTimetable(name: string) {
    let state: TimetableState;
    try {
      state = await temporal.workflow.getHandle(timetableWorkflowIds.timetable(name)).query(timetableState);
    } catch (error) {
      throw mapTemporalError(error, `timetable ${name}`);
    }
    return timetableStateSchema.parse(state);
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/timetable',
      operationId: 'startTimetable',
      summary: 'Start the timetable',
      description:
        'Starts the durable timetable (`timetable:<name>`): the 2010–2014 reform timetable and the recurring ' +
        'cycles (an allocation announced every Q3 for the next year, quarterly condition reviews), ' +
        'each milestone firing its process once. Milestones already past fire at once, in date order.',
      tags: ['timetable'],
      roles: ['admin'],
      request: { body: startTimetableBody },
      responses: {
        202: {
          description: 'The timetable has started.',
          schema: z.strictObject({ workflowId: z.string(), policyVersion: z.string(), milestones: z.int() }),
          headers: { Location: { description: 'The timetable, e.g. `/timetable/reform`.', schema: z.string() } },
        },
      },
    },
    async ({ body }, _req, res) => {
      const inForce = await policyInForceNow(db);
      const policy = inForce.timetable;
      const { milestones, nextRecurringYear } = defaultTimetable(inForce);
      const input: TimetableInput = {
        name: body.name,
        milestones,
        nextRecurringYear,
        untilFinancialYear: null,
        policy,
      };
      const workflowId = timetableWorkflowIds.timetable(body.name);
      await startCase(
        temporal,
        'timetable',
        {
          taskQueue,
          workflowId,
          args: [onScenarioCalendar(input)],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        },
        `the timetable ${body.name} has already been started (${workflowId})`,
      );
      await answerStarted(res, {
        location: `/timetable/${body.name}`,
        body: { workflowId, policyVersion: policy.version, milestones: milestones.length },
        read: () => readTimetable(body.name),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/timetable/{name}',
      operationId: 'getTimetable',
      summary: "Read the timetable's live state",
      description:
        'The next milestone, how many are pending, and the most recent fired, from the running (or finished) timetable process.',
      tags: ['timetable'],
      roles: ['case_officer', 'decision_panel', 'admin'],
      request: { params: nameParam },
      responses: { 200: { description: 'The timetable.', schema: timetableStateSchema } },
    },
    async ({ params }, _req, res) => {
      res.json(await readTimetable(params.name));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/milestones',
      operationId: 'listMilestones',
      summary: 'List the milestones and their status',
      description:
        'Every milestone on record (scheduled, running, done, skipped or failed), with the process it started. Public.',
      tags: ['timetable'],
      roles: ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { query: milestonesList.query },
      responses: { 200: { description: 'A page of milestones.', schema: pageSchema(milestoneSchema) } },
    },
    async ({ query }, _req, res) => {
      const plan = milestonesList.keyset<MilestoneRow>(query);
      const rows = await milestonesPage(db, query, plan);
      res.json(plan.page(rows, toMilestone));
    },
  );

  return router;
}
