/**
 * The quarterly import through the API (issue 15), for administrators: upload a list-size file
 * (multipart, streamed, size-limited: api/importUpload.ts), then follow its run; and list the runs.
 */
import { Router } from 'express';
import { z } from 'zod';
import { MAX_UPLOAD_BYTES, receiveUpload, startUploadedImport, UPLOAD_FIELD } from '../importUpload';
import { importRun, importRuns, type ImportRunView } from '../readModels/imports';
import { notFound, unprocessable } from '../errors';
import { isoDateTime } from '../schemas';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';

export const importRunPath = (id: number) => `/imports/${id}`;

export function importsRouter(deps: AppDeps, registry: RouteRegistry) {
  const router = Router();
  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/imports',
      operationId: 'uploadImport',
      summary: 'Upload a quarterly list-size file to import',
      description:
        'A `multipart/form-data` body with the file in the field `file` (any quarter of the list-size layout, ' +
        `at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB), and optionally \`period\` (\`YYYY-MM\`, the quarter's first month, ` +
        'when the file name does not say it) and `allowOlder` (`true` to import a quarter older than the latest as history). ' +
        'Answers `202` with the run, which imports in the background: follow it at its `Location`. A bad file is ' +
        'refused on the run (`status` `refused`, `problem` with the row and column) before anything is written.',
      tags: ['platform'],
      roles: ['admin'],
      responses: { 202: { description: 'The run, importing.', schema: importRunSchema } },
      errors: [422],
    },
    async ({ principal }, req, res) => {
      const upload = await receiveUpload(req);
      if (upload.problem)
        throw unprocessable('the upload cannot be imported', [
          { field: `body.${upload.problem.field}`, reason: upload.problem.reason },
        ]);
      const fields = uploadFields.safeParse(upload.fields);
      if (!fields.success || !upload.file)
        throw unprocessable(
          'the upload cannot be imported',
          (fields.error?.issues ?? []).map((issue) => ({
            field: `body.${issue.path.join('.') || UPLOAD_FIELD}`,
            reason: issue.message,
          })),
        );
      const id = await startUploadedImport(deps, upload.file, {
        actor: principal.name,
        ...(fields.data.period ? { period: fields.data.period } : {}),
        allowOlder: fields.data.allowOlder === 'true',
      });
      const run = await importRun(deps.db, id);
      res
        .status(202)
        .location(importRunPath(id))
        .json(present(run as ImportRunView));
    },
  );
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/imports',
      operationId: 'listImports',
      summary: 'The import runs, newest first',
      tags: ['platform'],
      roles: ['admin'],
      request: { query: importsQuery },
      responses: {
        200: {
          description: 'The runs.',
          schema: z.strictObject({ total: z.int().min(0), items: z.array(importRunSchema) }),
        },
      },
    },
    async ({ query }, _req, res) => {
      const { total, items } = await importRuns(deps.db, query.limit);
      res.json({ total, items: items.map(present) });
    },
  );
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/imports/{id}',
      operationId: 'getImport',
      summary: 'One import run: its progress, counts, changes and cases, or why it was refused',
      tags: ['platform'],
      roles: ['admin'],
      request: { params: importParams },
      responses: { 200: { description: 'The run.', schema: importRunSchema } },
    },
    async ({ params }, _req, res) => {
      const run = await importRun(deps.db, params.id);
      if (!run) throw notFound(`import run ${params.id} is not on record`);
      res.json(present(run));
    },
  );
  return router;
}

const uploadFields = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(01|04|07|10)$/, "must be the quarter's first month, YYYY-MM with MM 01, 04, 07 or 10")
    .optional()
    .or(z.literal('').transform(() => undefined)),
  allowOlder: z.enum(['true', 'false']).optional(),
  _csrf: z.string().optional(),
});

export const importsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('How many to list, newest first (1–100).'),
});
export const importParams = z.strictObject({
  id: z.coerce.number().int().min(1).max(2_147_483_647).describe('The run number.'),
});

const writeCounts = z.strictObject({ inserted: z.int(), updated: z.int(), unchanged: z.int() });
export const importRunSchema = z.strictObject({
  id: z.int().describe('The run number.'),
  fileName: z.string(),
  checksum: z.string().describe('SHA-256 of the file, hex.'),
  sizeBytes: z.int(),
  period: z.string().nullable().describe("The quarter's first month, `YYYY-MM`; null until it is read."),
  actor: z.string().describe('Who started it.'),
  via: z.enum(['cli', 'upload']),
  status: z.enum(['running', 'succeeded', 'unchanged', 'refused', 'failed']),
  progress: z.strictObject({ step: z.string().optional(), done: z.int().optional(), total: z.int().optional() }),
  counts: z
    .strictObject({
      listSizes: writeCounts,
      practices: writeCounts,
      closed: z.int(),
      moved: z.int(),
      newPractices: z.int(),
      newUnaffiliated: z.int(),
    })
    .nullable(),
  previousPeriod: z.string().nullable().describe('The quarter it was compared with.'),
  sameFileAsRun: z.int().nullable().describe('An earlier run of the very same file.'),
  olderThan: z.string().nullable(),
  changes: z
    .strictObject({
      previousPeriod: z.string(),
      closed: z.array(
        z.strictObject({
          code: z.string(),
          name: z.string(),
          consortiumCode: z.string().nullable(),
          closedOn: z.string(),
          reason: z.enum(['absent', 'register', 'absent_and_register']),
        }),
      ),
      moves: z.array(
        z.strictObject({
          code: z.string(),
          name: z.string(),
          fromConsortiumCode: z.string().nullable(),
          toConsortiumCode: z.string(),
        }),
      ),
      newPractices: z.array(
        z.strictObject({
          code: z.string(),
          name: z.string(),
          consortiumCode: z.string().nullable(),
          registeredPatients: z.int(),
        }),
      ),
    })
    .nullable(),
  cases: z.array(
    z.strictObject({
      kind: z.enum(['membership_change', 'coverage']),
      practiceCode: z.string(),
      workflowId: z.string().nullable(),
      outcome: z.enum(['opened', 'already_open', 'pending', 'not_opened']),
      note: z.string().nullable(),
    }),
  ),
  problem: z
    .strictObject({
      message: z.string(),
      row: z.int().optional(),
      column: z.int().nullable().optional(),
      columnName: z.string().nullable().optional(),
    })
    .nullable()
    .describe('Why it was refused or failed; a bad file names the row and column (from 1; the header is row 1).'),
  auditEventKey: z.string().nullable(),
  startedAt: isoDateTime,
  finishedAt: isoDateTime.nullable(),
});

function present(run: ImportRunView): z.input<typeof importRunSchema> {
  return { ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null };
}
