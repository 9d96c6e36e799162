/**
 * `/inbox`: the signed-in person's tasks (issue 13, item 4), one tab at a time with a count on every
 * tab: mine, unassigned, overdue, due this week, on hold, completed by me. The list, its filters, its
 * order and its pages are the work queue's (api/routes/tasks.ts `taskList`), so a page's query string
 * is the same as the API's and a saved filter is that string. Claiming is a form post (CSRF-checked),
 * through the same task operation as `POST /tasks/{id}/claim`.
 */
import { Router } from 'express';
import type { Principal } from '../../api/auth';
import { AppError } from '../../api/errors';
import { applyTaskOperation, taskCounts, taskInbox, TASK_TABS, type TaskTab } from '../../api/readModels/tasks';
import { filtersOf, presentTask, taskList } from '../../api/routes/tasks';
import { casePath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';

export const TAB_LABELS: Record<TaskTab, string> = {
  mine: 'Assigned to me',
  unassigned: 'Unassigned',
  overdue: 'Overdue',
  'due-this-week': 'Due this week',
  'on-hold': 'On hold',
  'completed-by-me': 'Completed by me',
};

/** The query string of a page of the inbox, with one parameter changed. */
function withParam(query: Record<string, unknown>, key: string, value: string | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && v !== '' && k !== key) params.set(k, v);
  if (value !== undefined) params.set(key, value);
  return `/inbox?${params.toString()}`;
}

export function inboxRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/inbox', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const raw = { tab: 'unassigned', ...(req.query as Record<string, string>) };
      const parsed = taskList.query.safeParse(raw);
      const errors = parsed.success
        ? []
        : parsed.error.issues.map((issue) => ({ text: `${issue.path.join('.')}: ${issue.message}`, href: '#filters' }));
      const query = parsed.success ? parsed.data : taskList.query.parse({ tab: 'unassigned' });
      const tab = (query.tab ?? 'unassigned') as TaskTab;
      const filters = filtersOf(query);
      const plan = taskList.keyset<Awaited<ReturnType<typeof taskInbox>>[number]>(query);
      const now = new Date();
      const [rows, counts] = await Promise.all([
        taskInbox(deps.db, principal, { tab, filters }, plan, now),
        taskCounts(deps.db, principal, filters, now),
      ]);
      const page = plan.page(rows, (row) => presentTask(row, now.getTime()));
      const params = parsed.success ? (raw as Record<string, unknown>) : { tab };
      render(
        deps,
        req,
        res,
        'inbox.njk',
        {
          errors,
          tabs: TASK_TABS.map((id) => ({
            id,
            label: TAB_LABELS[id],
            count: counts[id],
            href: withParam({ ...params, cursor: undefined }, 'tab', id),
            active: id === tab,
          })),
          tab: { id: tab, label: TAB_LABELS[tab] },
          items: page.items.map((task) => ({
            ...task,
            caseHref: casePath(task.workflowId),
            claimable: task.status === 'open' && task.assignee === null,
          })),
          nextHref: page.nextCursor ? withParam(params, 'cursor', page.nextCursor) : null,
          returnTo: req.originalUrl,
        },
        errors.length > 0 ? 400 : 200,
      );
    } catch (error) {
      next(error);
    }
  });

  router.post('/inbox/tasks/:id/claim', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      await applyTaskOperation(deps.db, principal, String(req.params.id), { type: 'claim' });
      const back =
        typeof req.body?.returnTo === 'string' && req.body.returnTo.startsWith('/inbox') ? req.body.returnTo : '/inbox';
      res.redirect(303, back);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return next();
      next(error);
    }
  });
  return router;
}
