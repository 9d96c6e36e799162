/**
 * /consortia: register a shadow consortium (the walking skeleton), read consortia, and record the
 * case officer's recognition as a validated Update.
 */
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { checkShadowFormation, CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import { currentPolicy } from '../../domain/policy';
import { recogniseShadowConsortium, shadowFormationState, workflowIds, type ShadowFormationInput } from '../../workflows/messages';
import type { AppDeps } from '../app';
import { requireRole, type Principal } from '../auth';
import { conflict, notFound, unprocessable } from '../errors';
import { caseIndex, mapTemporalError } from '../temporal';
import { validateRequest } from '../validate';

export const consortiumCodeParam = z.object({ code: z.string().regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C') });

export const shadowFormationBody = z.strictObject({
  code: z.string().regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C'),
  name: z.string().trim().min(1).max(200),
  areaTeam: z.string().trim().min(1).max(100).optional(),
  memberPracticeCodes: z.array(z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001')).min(1).max(500),
});

export const recognitionBody = z.strictObject({ note: z.string().max(2000).optional() });

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(CONSORTIUM_CODE, 'must be the nextCursor of a previous page').optional(),
  status: z.string().max(40).optional(),
});

const actorOf = (principal: Principal) => ({ id: principal.id, role: principal.role });

export function consortiaRouter({ db, temporal, taskQueue }: AppDeps) {
  const router = Router();

  router.post('/consortia', requireRole('case_officer', 'admin'), validateRequest({ body: shadowFormationBody }), async (_req, res, next) => {
    try {
      const body = res.locals.body as z.infer<typeof shadowFormationBody>;
      const memberships = await db.membership.findMany({ where: { practiceCode: { in: body.memberPracticeCodes }, validTo: null } });
      const known = new Set((await db.practice.findMany({ where: { code: { in: body.memberPracticeCodes } }, select: { code: true } })).map((p) => p.code));
      const problems = checkShadowFormation(body, (practice) => memberships.find((m) => m.practiceCode === practice)?.consortiumCode);
      body.memberPracticeCodes.forEach((practice, index) => {
        if (!known.has(practice)) problems.push({ field: `memberPracticeCodes.${index}`, rule: 'known-practice', message: `practice ${practice} is not on record` });
      });
      if (problems.length > 0) throw unprocessable('the shadow consortium cannot be formed', problems.map((p) => ({ field: `body.${p.field}`, reason: `${p.message} (${p.rule})` })));

      const policy = currentPolicy();
      const input: ShadowFormationInput = { ...body, actor: actorOf(res.locals.principal as Principal), policyVersion: policy.version, recognitionDays: policy.shadowRecognitionDays };
      const workflowId = workflowIds.shadowFormation(body.code);
      try {
        await temporal.workflow.start('shadowFormation', { taskQueue, workflowId, args: [input], searchAttributes: caseIndex(body.code, body.areaTeam) });
      } catch (error) {
        // Workflow IDs are business keys: a second start finds the first.
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`consortium ${body.code} is already being formed (${workflowId})`);
        throw error;
      }
      res.status(202).location(`/consortia/${body.code}`).json({ code: body.code, workflowId, policyVersion: policy.version });
    } catch (error) {
      next(error);
    }
  });

  router.get('/consortia', validateRequest({ query: listQuery }), async (_req, res, next) => {
    try {
      const query = res.locals.query as z.infer<typeof listQuery>;
      const rows = await db.consortium.findMany({
        where: { ...(query.status ? { status: query.status } : {}), ...(query.cursor ? { code: { gt: query.cursor } } : {}) },
        orderBy: { code: 'asc' },
        take: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      res.json({ items: page, nextCursor: rows.length > query.limit ? (page.at(-1)?.code ?? null) : null });
    } catch (error) {
      next(error);
    }
  });

  router.get('/consortia/:code', validateRequest({ params: consortiumCodeParam }), async (_req, res, next) => {
    try {
      const { code } = res.locals.params as z.infer<typeof consortiumCodeParam>;
      const consortium = await db.consortium.findUnique({
        where: { code },
        include: { memberships: { where: { validTo: null }, select: { practiceCode: true, validFrom: true } } },
      });
      if (!consortium) throw notFound(`consortium ${code} is not on record`);
      let formation = null;
      try {
        formation = await temporal.workflow.getHandle(workflowIds.shadowFormation(code)).query(shadowFormationState);
      } catch {
        formation = null; // no formation process (e.g. an imported consortium)
      }
      res.json({ ...consortium, formation });
    } catch (error) {
      next(error);
    }
  });

  router.post(
    '/consortia/:code/recognition',
    requireRole('case_officer', 'admin'),
    validateRequest({ params: consortiumCodeParam, body: recognitionBody }),
    async (_req, res, next) => {
      const { code } = res.locals.params as z.infer<typeof consortiumCodeParam>;
      try {
        const body = res.locals.body as z.infer<typeof recognitionBody>;
        const handle = temporal.workflow.getHandle(workflowIds.shadowFormation(code));
        const state = await handle.executeUpdate(recogniseShadowConsortium, { args: [{ actor: actorOf(res.locals.principal as Principal), note: body.note }] });
        res.json(state);
      } catch (error) {
        next(mapTemporalError(error, `consortium ${code}`));
      }
    },
  );

  return router;
}
