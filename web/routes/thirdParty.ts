/**
 * The receiving bodies' pages (issue 14 item 2; §5.13, §5.18), and the list of procurements:
 * - `/awaiting-answer`: the procurement hand-offs and transfers of responsibilities that await the
 *   viewer's answer, each linked to its step form (capacity and willingness for a transfer; accept or
 *   refuse, with reasons, for a hand-off), soonest due first;
 * - `/procurement-cases`: the procurements in the viewer's scope (GET /procurements' own read model,
 *   filters and pages), each linked to its case page, where the bids, scores, award, payments and
 *   referral returns are shown.
 * Both are the API's lists: the query string is the API's, so a refused filter shows the API's message.
 */
import { Router, type Request } from 'express';
import type { z } from 'zod';
import type { Principal } from '../../api/auth';
import { procurementList, procurementsPage } from '../../api/readModels/procurements';
import { awaitedAnswersList, awaitedAnswersPage } from '../../api/readModels/thirdParty';
import { PROCUREMENT_STAGES, procurementWorkflowId } from '../../workflows/contracts/procurement';
import { money, ukDate, words } from '../format';
import { casePath, stepPath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';
import { scenarioNow } from '../../platform/scenarioClock';

const FIELD_LABELS: Record<string, string> = {
  consortiumCode: 'Consortium code',
  stage: 'Stage',
  managedBy: 'Managed by',
  kind: 'What',
  cursor: 'Page',
  sort: 'Sort by',
  limit: 'Per page',
};

/** The request's query with blank fields dropped, parsed by the list's schema; a refusal is an error summary. */
function parseListQuery<S extends z.ZodType>(schema: S, req: Request) {
  const given = Object.fromEntries(
    Object.entries(req.query).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  ) as Record<string, string>;
  const parsed = schema.safeParse(given);
  const errors = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? '');
        return { text: `${FIELD_LABELS[field] ?? field}: ${issue.message}`, href: `#${field}` };
      });
  const query = (parsed.success ? parsed.data : schema.parse({})) as z.output<S>;
  return { given, errors, query };
}

const withCursor = (path: string, given: Record<string, string>, cursor: string) =>
  `${path}?${new URLSearchParams({ ...given, cursor }).toString()}`;

const MANAGED_BY = ['consortium', 'consortium_with_mitigation', 'third_party'] as const;

export function thirdPartyRoutes(deps: PageDeps): Router {
  const router = Router();

  router.get('/awaiting-answer', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const { given, errors, query } = parseListQuery(awaitedAnswersList.query, req);
      const page = await awaitedAnswersPage(deps.db, principal, query);
      render(
        deps,
        req,
        res,
        'awaiting-answer.njk',
        {
          errors,
          filters: given,
          items: page.items.map((a) => ({
            what: a.kind === 'procurement' ? 'Manage a procurement (§5.13)' : 'Take withdrawn responsibilities (§5.18)',
            caseTitle: a.caseTitle,
            caseHref: casePath(a.workflowId),
            answerHref: stepPath(a.workflowId, a.step, a.item),
            consortium: a.consortium ? `${a.consortium.name} (${a.consortium.code})` : '–',
            due: a.dueAt ? ukDate(a.dueAt) : 'No deadline',
            overdue: a.dueAt !== null && a.dueAt.getTime() < scenarioNow().getTime(),
            asked: ukDate(a.openedAt),
          })),
          nextHref: page.nextCursor ? withCursor('/awaiting-answer', given, page.nextCursor) : null,
        },
        errors.length ? 400 : 200,
      );
    } catch (error) {
      next(error);
    }
  });

  router.get('/procurement-cases', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const { given, errors, query } = parseListQuery(procurementList.query, req);
      const page = await procurementsPage(deps.db, principal, query);
      render(
        deps,
        req,
        res,
        'procurement-cases.njk',
        {
          errors,
          filters: given,
          filtered: ['consortiumCode', 'stage', 'managedBy'].some((k) => given[k] !== undefined),
          stages: [{ value: '', text: 'Any stage' }].concat(
            PROCUREMENT_STAGES.map((s) => ({ value: s, text: words(s), selected: given.stage === s })),
          ),
          managers: [{ value: '', text: 'Anyone' }].concat(
            MANAGED_BY.map((m) => ({ value: m, text: words(m), selected: given.managedBy === m })),
          ),
          items: page.items.map((p) => ({
            title: p.title,
            href: casePath(procurementWorkflowId(p.procurementId)),
            consortium: p.consortiumCode,
            stage: words(p.stage ?? 'opening'),
            managedBy: words(p.managedBy),
            value: money(p.estimatedValuePence),
            route: words(p.route),
            closes: p.closesAt ? ukDate(p.closesAt) : '–',
          })),
          nextHref: page.nextCursor ? withCursor('/procurement-cases', given, page.nextCursor) : null,
        },
        errors.length ? 400 : 200,
      );
    } catch (error) {
      next(error);
    }
  });
  return router;
}
