/**
 * `/inbox`: the signed-in person's work, in tabs with counts.
 *
 * NEXT STEP (issue 13, items 3–4): this is a skeleton over the existing work queue read model
 * (api/readModels/workQueue.ts `openSteps`: open steps with a deadline, in a case officer's area
 * teams, or all for the Board). When the Task model lands (api/readModels/tasks.ts), this page reads
 * `taskInbox(db, principal, { tab, filters }, plan)` and `taskCounts(...)` instead, with the tabs
 * mine / unassigned / overdue / due this week / on hold / completed by me, filters and paging.
 */
import { Router } from 'express';
import type { Principal } from '../../api/auth';
import { openSteps, type WorkItemRow } from '../../api/readModels/workQueue';
import { casePath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';

export const INBOX_TABS = [
  { id: 'open', label: 'Open steps' },
  { id: 'overdue', label: 'Overdue' },
  { id: 'due-this-week', label: 'Due this week' },
] as const;
type TabId = (typeof INBOX_TABS)[number]['id'];

const WEEK_MS = 7 * 24 * 60 * 60_000;
const inTab = (tab: TabId, row: WorkItemRow, now: number) =>
  tab === 'open' ||
  (tab === 'overdue' && row.dueAt.getTime() < now) ||
  (tab === 'due-this-week' && row.dueAt.getTime() >= now && row.dueAt.getTime() < now + WEEK_MS);

/** The area teams whose open steps the skeleton can show: null is every team (the Board); [] is none yet. */
function areaTeamsOf(principal: Principal): string[] | null {
  if (principal.role === 'admin' || principal.role === 'decision_panel') return null;
  if (principal.role === 'case_officer') return principal.areaTeams;
  return [];
}

export function inboxRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/inbox', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const tab = (INBOX_TABS.find((t) => t.id === req.query.tab)?.id ?? 'open') as TabId;
      const areaTeams = areaTeamsOf(principal);
      const rows =
        areaTeams && areaTeams.length === 0
          ? []
          : await openSteps(
              deps.db,
              { areaTeams },
              { where: {}, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }], take: 200 },
            );
      const now = Date.now();
      const tabs = INBOX_TABS.map((t) => ({
        ...t,
        href: `/inbox?tab=${t.id}`,
        count: rows.filter((row) => inTab(t.id, row, now)).length,
        active: t.id === tab,
      }));
      const items = rows
        .filter((row) => inTab(tab, row, now))
        .map((row) => ({
          href: casePath(row.workflowId),
          title: row.case.title ?? row.workflowId,
          workflowId: row.workflowId,
          step: row.step,
          stage: row.case.stage,
          consortiumCode: row.case.consortiumCode,
          owner: row.owner,
          dueAt: row.dueAt,
          overdue: row.dueAt.getTime() < now,
        }));
      render(deps, req, res, 'inbox.njk', {
        tabs,
        tab: tabs.find((t) => t.active),
        items,
        scoped: areaTeams === null || areaTeams.length > 0,
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
