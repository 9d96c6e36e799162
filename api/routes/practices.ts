/**
 * /practices: the practices with their registered lists, and each practice's membership history
 * (§2.11, §4.3: every practice in exactly one consortium at a time; §4.9: moves keep the history).
 */
import { Router } from 'express';
import { z } from 'zod';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import type { AppDeps } from '../app';
import type { Role } from '../auth';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, pageSchema, singleLine, toIsoDate } from '../schemas';
import { practicesPage, practiceWithHistory, type PracticeSummaryRow } from '../readModels/practices';

export const practiceCode = z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001');
export const practiceCodeParam = z.strictObject({ code: practiceCode.describe('The practice code, e.g. `A81001`.') });

/** Practices and memberships are the Board's and the consortia's working register, not a published one. */
export const PRACTICE_READERS: readonly Role[] = [
  'case_officer',
  'decision_panel',
  'consortium_officer',
  'third_party',
  'admin',
];

export const practicesList = defineList({
  key: 'code',
  sortFields: { code: 'string', name: 'string' },
  defaultSort: 'code',
  filters: {
    consortium: z
      .string()
      .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
      .optional()
      .describe('Only the current members of this consortium.'),
    unaffiliated: z
      .enum(['true', 'false'])
      .optional()
      .describe('`true`: only practices in no consortium today (§4.5); `false`: only practices in one.'),
    q: singleLine(200).min(1).optional().describe('Only practices whose name contains this text (case-insensitive).'),
  },
});

export const practiceSummarySchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  consortiumCode: z
    .string()
    .nullable()
    .describe('The consortium the practice is a member of today; null if unaffiliated.'),
});

export const membershipPeriodSchema = z.strictObject({
  consortiumCode: z.string(),
  validFrom: isoDate,
  validTo: isoDate
    .nullable()
    .describe('Exclusive: the first day the practice is no longer a member; null while current.'),
  source: z
    .string()
    .nullable()
    .describe('Where the membership came from, e.g. `import:nhs-2013:2013-04`, `move-request`.'),
  changeRequestWorkflowId: z.string().nullable().describe('The membership change that opened this period, if any.'),
});

export const practiceDetailSchema = practiceSummarySchema.extend({
  memberships: z.array(membershipPeriodSchema).describe('The membership history, oldest first.'),
  listSizes: z
    .array(
      z.strictObject({
        period: z.string().describe('The quarter, as its first month `YYYY-MM`.'),
        registeredPatients: z.int(),
        sourceOrganisationCode: z.string(),
        importedAt: isoDateTime,
      }),
    )
    .describe('Registered patients by quarter, latest first.'),
});

type SummaryRow = PracticeSummaryRow;

const toSummary = (row: SummaryRow): z.output<typeof practiceSummarySchema> => ({
  code: row.code,
  name: row.name,
  consortiumCode: row.memberships[0]?.consortiumCode ?? null,
});

export function practicesRouter({ db }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/practices',
      operationId: 'listPractices',
      summary: 'List practices',
      description: 'Practices with their current consortium, a page at a time, filtered and sorted.',
      tags: ['practices'],
      roles: PRACTICE_READERS,
      request: { query: practicesList.query },
      responses: { 200: { description: 'A page of practices.', schema: pageSchema(practiceSummarySchema) } },
    },
    async ({ query }, _req, res) => {
      const plan = practicesList.keyset<SummaryRow>(query);
      const rows = await practicesPage(db, query, plan);
      res.json(plan.page(rows, toSummary));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/practices/{code}',
      operationId: 'getPractice',
      summary: 'Read a practice',
      description:
        'A practice with its current consortium, its membership history (§4.9) and its registered list by quarter.',
      tags: ['practices'],
      roles: PRACTICE_READERS,
      request: { params: practiceCodeParam },
      responses: { 200: { description: 'The practice.', schema: practiceDetailSchema } },
    },
    async ({ params: { code } }, _req, res) => {
      const found = await practiceWithHistory(db, code);
      if (!found) throw notFound(`practice ${code} is not on record`);
      const { practice, history } = found;
      res.json({
        ...toSummary(practice),
        memberships: history.map((m) => ({
          consortiumCode: m.consortiumCode,
          validFrom: toIsoDate(m.validFrom),
          validTo: m.validTo ? toIsoDate(m.validTo) : null,
          source: m.source,
          changeRequestWorkflowId: m.changeRequest?.workflowId ?? null,
        })),
        listSizes: practice.listSizes.map((l) => ({
          period: l.period,
          registeredPatients: l.registeredPatients,
          sourceOrganisationCode: l.sourceOrganisationCode,
          importedAt: l.importedAt.toISOString(),
        })),
      } satisfies z.output<typeof practiceDetailSchema>);
    },
  );

  return router;
}
