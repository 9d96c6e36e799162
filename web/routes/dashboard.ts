/**
 * `/dashboard`: a consortium officer's own consortium at a glance (issue 14, item 1): its status, its
 * population by quarter, its open cases, the notices that await its response with the days left, and
 * its conditions with their support levels and rectification plans. `/` sends a consortium officer
 * here; anyone else has no dashboard (404). Reads api/readModels/dashboard.ts.
 */
import { Router } from 'express';
import { deadlineInWords } from '../../activities/noticeMail';
import type { Principal } from '../../api/auth';
import { consortiumDashboard, type ConsortiumDashboard } from '../../api/readModels/dashboard';
import { SUPPORT_LEVELS, type SupportLevel, type SupportLevelPolicy } from '../../domain/authorisation';
import { policyInForceNow } from '../../api/readModels/policy';
import { quarterOf } from '../../domain/calendar';
import { ukDate, words } from '../format';
import { actionPath, casePath, noticePath } from '../paths';
import { CONSORTIUM_ACTIONS } from './actions';
import { render, requireSignIn, type PageDeps } from '../render';
import { scenarioNow } from '../../platform/scenarioClock';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long is left to respond, in words, and whether the time is up: `5 days left`, `1 day left`,
 * `Overdue by 2 days`. A part of a day counts as a day.
 */
export function timeLeft(respondBy: Date, now: Date): { text: string; overdue: boolean } {
  const ms = respondBy.getTime() - now.getTime();
  const days = Math.max(1, Math.ceil(Math.abs(ms) / DAY_MS));
  const span = `${days} day${days === 1 ? '' : 's'}`;
  return ms >= 0 ? { text: `${span} left`, overdue: false } : { text: `Overdue by ${span}`, overdue: true };
}

/** `2013-04` → `Q1 2013/14 (from 1 April 2013)`. */
function quarterName(period: string): string {
  const quarter = quarterOf(`${period}-01`);
  return `${quarter.label} (from ${ukDate(quarter.start)})`;
}

const count = new Intl.NumberFormat('en-GB');

/** `II` → `Level II: expert advice` (the support levels of §4.8, from the policy in force); an unknown level as it is. */
function supportLevelName(level: string | null, supportLevels: SupportLevelPolicy): string {
  if (!level) return 'Not set';
  const known = (SUPPORT_LEVELS as readonly string[]).includes(level)
    ? supportLevels.levels.find((l) => l.level === (level as SupportLevel))
    : undefined;
  return known ? `Level ${level}: ${known.name}` : words(level);
}

export function dashboardView(d: ConsortiumDashboard, now: Date, supportLevels: SupportLevelPolicy) {
  const { consortium } = d;
  const latest = d.population.at(-1) ?? null;
  return {
    title: consortium.name,
    code: consortium.code,
    summary: [
      { key: { text: 'Status' }, value: { text: words(consortium.status) } },
      {
        key: { text: 'Established' },
        value: { text: consortium.establishedOn ? ukDate(consortium.establishedOn) : 'Not yet' },
      },
      { key: { text: 'Area team' }, value: { text: consortium.areaTeamName ?? consortium.areaTeam ?? 'Not known' } },
      { key: { text: 'Region' }, value: { text: consortium.regionName ?? consortium.region ?? 'Not known' } },
      {
        key: { text: 'Registered patients' },
        value: {
          text: latest
            ? `${count.format(latest.registeredPatients)} in ${count.format(latest.practices)} practices, ${quarterName(latest.period)}`
            : 'No list sizes on record',
        },
      },
    ],
    population: d.population.map((p) => [
      { text: quarterName(p.period) },
      { text: count.format(p.practices), format: 'numeric' },
      { text: count.format(p.registeredPatients), format: 'numeric' },
    ]),
    awaiting: d.awaitingResponse.map((notice) => {
      const left = timeLeft(notice.respondBy as Date, now);
      return {
        title: notice.title,
        href: noticePath(notice.id),
        kind: words(notice.kind),
        issued: ukDate(notice.issuedAt),
        respondBy: deadlineInWords((notice.respondBy as Date).toISOString()),
        left: left.text,
        overdue: left.overdue,
      };
    }),
    cases: d.openCases.map((c) => ({
      title: c.title ?? words(c.kind),
      href: casePath(c.workflowId),
      kind: words(c.kind),
      stage: words(c.stage),
      due: c.dueAt ? ukDate(c.dueAt) : 'Nothing due',
      waitingForUs: c.waitingForUs,
    })),
    conditions: d.conditions.map((c) => ({
      heading: `${c.criterionId ?? c.key}: ${c.description}`,
      caseHref: casePath(c.workflowId),
      rows: [
        { key: { text: 'Status' }, value: { text: words(c.status) } },
        { key: { text: 'Support level' }, value: { text: supportLevelName(c.supportLevel, supportLevels) } },
        ...(c.finding ? [{ key: { text: 'Finding' }, value: { text: c.finding } }] : []),
        {
          key: { text: 'Rectification plan' },
          value: {
            text:
              c.rectificationPlan ??
              (c.rectificationPlanDueAt
                ? `Not yet submitted: due by ${deadlineInWords(c.rectificationPlanDueAt.toISOString())}`
                : 'Not yet submitted'),
          },
        },
        ...(c.nextReviewOn ? [{ key: { text: 'Next review' }, value: { text: ukDate(c.nextReviewOn) } }] : []),
        { key: { text: 'Imposed' }, value: { text: ukDate(c.imposedAt) } },
      ],
    })),
  };
}

export function dashboardRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/dashboard', requireSignIn(deps), async (req, res, next) => {
    try {
      const dashboard = await consortiumDashboard(deps.db, res.locals.principal as Principal);
      if (!dashboard) return next();
      const message = req.session.dashboardMessage ?? null;
      delete req.session.dashboardMessage;
      render(deps, req, res, 'dashboard.njk', {
        ...dashboardView(dashboard, scenarioNow(), (await policyInForceNow(deps.db)).supportLevels),
        message,
        actions: Object.entries(CONSORTIUM_ACTIONS).map(([name, spec]) => ({
          text: spec.title,
          href: actionPath(name),
        })),
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
