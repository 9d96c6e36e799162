/**
 * `/inbox/tasks/:id`: one task (issue 13, item 3) with its history, and a form for each thing the viewer
 * may do to it now: claim, unclaim, assign to a colleague in scope, reassign (team leads and admins),
 * put on hold until a day, take off hold, complete a notice task. Each form is the API operation's own
 * body schema (api/routes/tasks.ts `OPERATIONS`, through web/forms.ts), and each post is the same task
 * operation, audited (api/readModels/tasks.ts `applyTaskOperation`). Out of scope is 404.
 */
import { Router, type Request, type Response } from 'express';
import type { Principal } from '../../api/auth';
import { AppError } from '../../api/errors';
import { applyTaskOperation, colleaguesFor, taskHistory, taskInScope } from '../../api/readModels/tasks';
import { OPERATIONS } from '../../api/routes/tasks';
import { errorsOf, formItems, readForm, type FormHints, type RawForm } from '../forms';
import { ukDate, ukDateTime, words } from '../format';
import { casePath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';
import { CSRF_FIELD, redirectAfterSave } from '../session';
import { scenarioNow } from '../../platform/scenarioClock';

type Operation = keyof typeof OPERATIONS;
type Task = NonNullable<Awaited<ReturnType<typeof taskInScope>>>;

/** What the viewer may do to the task now; the operation itself still decides (409, 403, 422). */
function operationsFor(task: Task, principal: Principal): Operation[] {
  if (task.status !== 'open') return [];
  const mine = task.assigneeId === principal.id;
  const lead = principal.role === 'admin' || principal.teamLead === true;
  const onHold = task.onHoldUntil !== null && task.onHoldUntil.getTime() > scenarioNow().getTime();
  const ops: Operation[] = [];
  if (!task.assigneeId) ops.push('claim');
  if (mine || (task.assigneeId && lead)) ops.push('unclaim');
  if (!task.assigneeId || mine) ops.push('assign');
  if (task.assigneeId && !mine && lead) ops.push('reassign');
  ops.push(onHold ? 'resume' : 'hold');
  if (task.source === 'notice') ops.push('complete');
  return ops;
}

const LABELS: Record<string, string> = {
  assigneeId: 'Colleague',
  until: 'On hold until',
  reason: 'Reason',
};

/** A hold's `until` as the form takes it: a day (back at the start of it, London time is close enough here). */
function normalise(op: Operation, raw: RawForm): RawForm {
  const until = raw.until;
  if (op === 'hold' && typeof until === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(until.trim()))
    return { ...raw, until: `${until.trim()}T00:00:00.000Z` };
  return raw;
}

export function taskRoutes(deps: PageDeps): Router {
  const router = Router();

  async function show(
    req: Request,
    res: Response,
    task: Task,
    failed?: { op: Operation; raw: RawForm; problems: { field: string; reason: string }[] },
    status = 200,
  ) {
    const principal = res.locals.principal as Principal;
    const [history, colleagues] = await Promise.all([
      taskHistory(deps.db, task.id),
      colleaguesFor(deps.db, task.id, task.roles),
    ]);
    const people = new Map(
      (
        await deps.db.user.findMany({
          where: { id: { in: history.map((e) => e.actor) } },
          select: { id: true, name: true },
        })
      ).map((u) => [u.id, u.name]),
    );
    const hints: FormHints = {
      options: {
        assigneeId: colleagues.filter((c) => c.id !== task.assigneeId).map((c) => ({ value: c.id, text: c.name })),
      },
      labels: LABELS,
    };
    const message = req.session.inboxMessage ?? null;
    delete req.session.inboxMessage;
    let errorList: { text: string; href: string }[] = [];
    const forms = operationsFor(task, principal).map((op) => {
      const spec = OPERATIONS[op];
      const mine = failed?.op === op;
      const blank = formItems(spec.body, hints, mine ? failed.raw : {}, {});
      const { summary, inline } = mine ? errorsOf(failed.problems, blank) : { summary: [], inline: {} };
      if (mine) errorList = summary;
      return {
        op,
        title: spec.summary,
        action: `/inbox/tasks/${task.id}/${op}`,
        items: mine ? formItems(spec.body, hints, failed.raw, inline) : blank,
        hint: op === 'hold' ? 'Enter the day it comes back, for example 2013-05-01.' : null,
      };
    });
    render(
      deps,
      req,
      res,
      'task.njk',
      {
        title: task.title,
        caseHref: casePath(task.workflowId),
        errorList,
        summary: [
          { key: { text: 'Status' }, value: { text: words(task.status) } },
          { key: { text: 'Stage' }, value: { text: words(task.stage) } },
          { key: { text: 'Who acts' }, value: { text: task.roles.map((r) => words(r).toLowerCase()).join(' or ') } },
          { key: { text: 'Assigned to' }, value: { text: task.assignee?.name ?? 'No one' } },
          { key: { text: 'Due' }, value: { text: task.dueAt ? ukDate(task.dueAt) : 'No due date' } },
          ...(task.onHoldUntil
            ? [
                {
                  key: { text: 'On hold until' },
                  value: { text: `${ukDate(task.onHoldUntil)}: ${task.holdReason ?? ''}` },
                },
              ]
            : []),
          { key: { text: 'Opened' }, value: { text: ukDateTime(task.openedAt) } },
        ],
        history: history.map((event) => ({
          what: words(event.action),
          who: people.get(event.actor) ?? 'Someone not on record',
          when: ukDateTime(event.occurredAt),
          reason:
            typeof (event.details as { reason?: unknown } | null)?.reason === 'string'
              ? (event.details as { reason: string }).reason
              : null,
        })),
        forms,
        message,
      },
      status,
    );
  }

  router.get('/inbox/tasks/:id', requireSignIn(deps), async (req, res, next) => {
    try {
      const task = await taskInScope(deps.db, res.locals.principal as Principal, String(req.params.id));
      if (!task) return next();
      await show(req, res, task);
    } catch (error) {
      next(error);
    }
  });

  router.post('/inbox/tasks/:id/:op', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const op = String(req.params.op);
      if (!Object.hasOwn(OPERATIONS, op)) return next();
      const operation = op as Operation;
      const task = await taskInScope(deps.db, principal, String(req.params.id));
      if (!task) return next();
      const body = (req.body ?? {}) as RawForm;
      const raw = Object.fromEntries(
        Object.entries(body).filter(([key]) => key !== CSRF_FIELD && key !== 'returnTo'),
      ) as RawForm;
      const spec = OPERATIONS[operation];
      const read = readForm(spec.body, {}, normalise(operation, raw));
      if (!read.ok) return await show(req, res, task, { op: operation, raw, problems: read.errors }, 400);
      try {
        await applyTaskOperation(deps.db, principal, task.id, spec.toOperation(read.body as never));
      } catch (error) {
        if (error instanceof AppError && error.status === 404) return next();
        if (error instanceof AppError && [403, 409, 422].includes(error.status)) {
          const fields = error.extra.errors ?? [];
          const problems =
            error.status === 422 && fields.length
              ? fields.map((p) => ({ ...p, field: p.field.replace(/^body\.?/, '') }))
              : [{ field: '', reason: error.message }];
          return await show(req, res, task, { op: operation, raw, problems }, error.status);
        }
        throw error;
      }
      const back = typeof body.returnTo === 'string' && body.returnTo.startsWith('/inbox') ? body.returnTo : null;
      req.session.inboxMessage = { error: false, text: `${spec.summary}: done` };
      redirectAfterSave(req, res, back ?? `/inbox/tasks/${task.id}`).catch(next);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
