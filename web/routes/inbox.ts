/**
 * `/inbox`: the signed-in person's tasks (issue 13, item 4), one tab at a time with a count on every
 * tab: mine, unassigned, overdue, due this week, on hold, completed by me. The list, its filters, its
 * order and its pages are the work queue's (api/routes/tasks.ts `taskList`), so a page's query string
 * is the same as the API's and a saved filter is that string, kept per person. Claiming is a form post
 * (CSRF-checked) to the task's route (web/routes/tasks.ts), the same operation as `POST /tasks/{id}/claim`.
 */
import { Router } from 'express';
import type { Principal } from '../../api/auth';
import { AppError } from '../../api/errors';
import {
  deleteSavedFilter,
  saveFilter,
  savedFilters,
  taskCounts,
  taskInbox,
  TASK_TABS,
  type TaskTab,
} from '../../api/readModels/tasks';
import { words } from '../format';
import { filtersOf, presentTask, taskList } from '../../api/routes/tasks';
import { casePath } from '../paths';
import type { Db } from '../../platform/db';
import { render, requireSignIn, type PageDeps } from '../render';
import { redirectAfterSave } from '../session';
import { scenarioNow } from '../../platform/scenarioClock';

export const TAB_LABELS: Record<TaskTab, string> = {
  mine: 'Assigned to me',
  unassigned: 'Unassigned',
  overdue: 'Overdue',
  'due-this-week': 'Due this week',
  'on-hold': 'On hold',
  'completed-by-me': 'Completed by me',
};

/** The filters the form sets (besides the tab and the sort). */
const FILTER_FIELDS = ['kind', 'stage', 'consortium', 'dueFrom', 'dueTo', 'assignee'] as const;
/** The filter form's labels, by query parameter, for the error summary. */
const FIELD_LABELS: Record<string, string> = {
  kind: 'Kind of case',
  stage: 'Stage',
  consortium: 'Consortium code',
  dueFrom: 'Due on or after',
  dueTo: 'Due on or before',
  assignee: 'Assigned to',
  sort: 'Sort by',
};
/** The kinds of case a task can belong to (CaseRecord.kind). */
const CASE_KINDS = [
  'authorisation',
  'shadow_formation',
  'intervention',
  'practice_intervention',
  'procurement',
  'membership_change',
  'coverage',
  'assurance',
] as const;
const SORTS = [
  ['due', 'Due date, soonest first'],
  ['-urgency', 'Priority, highest first'],
  ['openedAt', 'Oldest first'],
  ['-openedAt', 'Newest first'],
] as const;
const ASSIGNEES = [
  ['', 'Anyone or no one'],
  ['me', 'Me'],
  ['none', 'No one'],
] as const;

const assigneeWords = (value: string) => ASSIGNEES.find(([v]) => v === value)?.[1] ?? value;

/** The query string of the inbox's filters, tab and sort (not the page): what a saved filter keeps. */
function queryOf(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && v !== '' && k !== 'cursor') params.set(k, v);
  return params.toString();
}

/** The query string of a page of the inbox, with one parameter changed. */
function withParam(query: Record<string, unknown>, key: string, value: string | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && v !== '' && k !== key) params.set(k, v);
  if (value !== undefined) params.set(key, value);
  return `/inbox?${params.toString()}`;
}

/**
 * The inbox page's view for `query` (the request's query string): the list, its counts, its filters and
 * the person's saved filters. The route renders it; so does the bench's bare route (bench/web.ts).
 */
export async function inboxView(
  db: Db,
  principal: Principal,
  requestQuery: Record<string, string>,
  options: { message: { text: string; error: boolean } | null; returnTo: string },
) {
  // A filter left blank in the form is no filter.
  const given = Object.fromEntries(
    Object.entries(requestQuery).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  );
  const raw = { tab: 'unassigned', ...given };
  const parsed = taskList.query.safeParse(raw);
  const errors = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? '');
        const label = FIELD_LABELS[field];
        return label
          ? { text: `${label}${/^[a-z]/.test(issue.message) ? ' ' : ': '}${issue.message}`, href: `#${field}` }
          : { text: `${field}: ${issue.message}`, href: '#filters' };
      });
  const query = parsed.success ? parsed.data : taskList.query.parse({ tab: 'unassigned' });
  const tab = (query.tab ?? 'unassigned') as TaskTab;
  const filters = filtersOf(query);
  const plan = taskList.keyset<Awaited<ReturnType<typeof taskInbox>>[number]>(query);
  const now = scenarioNow();
  const [rows, counts, saved] = await Promise.all([
    taskInbox(db, principal, { tab, filters }, plan, now),
    taskCounts(db, principal, filters, now),
    savedFilters(db, principal.id),
  ]);
  const page = plan.page(rows, (row) => presentTask(row, now.getTime()));
  const params = parsed.success ? (raw as Record<string, unknown>) : { tab };
  return {
    status: errors.length > 0 ? 400 : 200,
    context: {
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
      // What was entered, even when it was refused, so that it can be put right.
      filters: { ...raw },
      filtered:
        errors.length > 0 || FILTER_FIELDS.some((key) => typeof (raw as Record<string, unknown>)[key] === 'string'),
      clearHref: withParam({}, 'tab', tab),
      // The filters in force as MOJ filter tags, each a link to the list without it.
      selected: parsed.success
        ? FILTER_FIELDS.flatMap((key) => {
            const value = params[key];
            if (typeof value !== 'string') return [];
            const text = key === 'kind' ? words(value) : key === 'assignee' ? assigneeWords(value) : value;
            return [
              {
                heading: { text: FIELD_LABELS[key] },
                items: [{ text, href: withParam({ ...params, cursor: undefined }, key, undefined) }],
              },
            ];
          })
        : [],
      kinds: CASE_KINDS.map((kind) => ({
        value: kind,
        text: words(kind),
        selected: (raw as Record<string, string | undefined>).kind === kind,
      })),
      sorts: SORTS.map(([value, text]) => ({
        value,
        text,
        selected: ((raw as Record<string, string | undefined>).sort ?? 'due') === value,
      })),
      assignees: ASSIGNEES.map(([value, text]) => ({
        value,
        text,
        selected: ((raw as Record<string, string | undefined>).assignee ?? '') === value,
      })),
      saved: saved.map((filter) => ({ id: filter.id, name: filter.name, href: `/inbox?${filter.query}` })),
      currentQuery: queryOf(params),
      message: options.message,
      returnTo: options.returnTo,
    },
  };
}

export function inboxRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/inbox', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const message = req.session.inboxMessage ?? null;
      delete req.session.inboxMessage;
      const { status, context } = await inboxView(deps.db, principal, req.query as Record<string, string>, {
        message,
        returnTo: req.originalUrl,
      });
      render(deps, req, res, 'inbox.njk', context, status);
    } catch (error) {
      next(error);
    }
  });

  // Saved filters: the inbox's query string under a name, kept per person; its link can be shared.
  router.post('/inbox/saved-filters', requireSignIn(deps), async (req, res, next) => {
    const principal = res.locals.principal as Principal;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const query = typeof body.query === 'string' ? body.query : '';
    const back = `/inbox${query ? `?${query}` : ''}`;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const parsedQuery = taskList.query.safeParse(Object.fromEntries(new URLSearchParams(query)));
    try {
      if (name === '' || name.length > 100 || !parsedQuery.success) {
        req.session.inboxMessage = {
          error: true,
          text: !parsedQuery.success
            ? 'These filters cannot be saved: correct them first'
            : 'Enter a name for the filter, up to 100 characters',
        };
        return redirectAfterSave(req, res, back).catch(next);
      }
      await saveFilter(deps.db, principal.id, { name, query });
      req.session.inboxMessage = { error: false, text: `Filter “${name}” saved` };
      redirectAfterSave(req, res, back).catch(next);
    } catch (error) {
      if (error instanceof AppError && error.status === 409) {
        req.session.inboxMessage = {
          error: true,
          text: `You already have a filter named “${name}”: choose another name`,
        };
        return redirectAfterSave(req, res, back).catch(next);
      }
      next(error);
    }
  });

  router.post('/inbox/saved-filters/:id/delete', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      await deleteSavedFilter(deps.db, principal.id, String(req.params.id));
      req.session.inboxMessage = { error: false, text: 'Filter deleted' };
      redirectAfterSave(req, res, '/inbox').catch(next);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return next();
      next(error);
    }
  });

  return router;
}
