/**
 * `/operations`: the administrator's view of what needs an operator (issue 16, item 2): the outbox's
 * backlog, open tasks past their due date, and every workflow that failed or timed out, with the
 * message it failed with and the case it keeps. The same read models as `/health`, `/metrics` and
 * `GET /operations/failed-workflows`. Anyone else gets the not-found page, as for anything out of scope.
 */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Principal } from '../../api/auth';
import { failedWorkflowCount, failedWorkflows, outboxBacklog, overdueTaskCount } from '../../api/readModels/operations';
import { OUTBOX_ALERT_AFTER_MINUTES } from '../../platform/alerts';
import { ukDateTime, words } from '../format';
import { casePath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';

/** The failed workflows shown on the page; the API lists up to 100. */
const SHOWN = 50;

export function operationsRoutes(deps: PageDeps & { temporal: Client }): Router {
  const router = Router();
  router.get('/operations', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      if (principal.role !== 'admin') return render(deps, req, res, 'not-found.njk', {}, 404);
      const [outbox, overdue, total, failed] = await Promise.all([
        outboxBacklog(deps.db),
        overdueTaskCount(deps.db),
        failedWorkflowCount(deps.temporal),
        failedWorkflows(deps.db, deps.temporal, SHOWN),
      ]);
      const oldestMinutes = outbox.oldestUnsentSeconds === null ? null : Math.floor(outbox.oldestUnsentSeconds / 60);
      render(deps, req, res, 'operations.njk', {
        outbox: {
          unsent: outbox.unsent,
          oldest: oldestMinutes === null ? 'none waiting' : `${oldestMinutes} min`,
          alert: oldestMinutes !== null && oldestMinutes >= OUTBOX_ALERT_AFTER_MINUTES,
          threshold: OUTBOX_ALERT_AFTER_MINUTES,
        },
        overdue,
        total,
        failed: failed.map((w) => ({
          workflowId: w.workflowId,
          type: w.workflowType,
          status: w.status === 'TimedOut' ? 'Timed out' : 'Failed',
          closedAt: ukDateTime(w.closedAt),
          failure: w.failure ?? 'It ran past its time limit.',
          caseHref: w.case ? casePath(w.workflowId) : null,
          caseTitle: w.case
            ? (w.case.title ?? `${words(w.case.kind)}${w.case.consortiumName ? ` of ${w.case.consortiumName}` : ''}`)
            : null,
        })),
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
