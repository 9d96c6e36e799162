/**
 * `/notices/:id`: one notice on one screen (issue 14, item 1): what was decided and why, by when to
 * respond (with the days left), the responses so far, and, while the notice awaits the viewer's
 * response, the form of the step that answers it (the case's pending step for the viewer's role, built
 * from its step-table row as on its own page: web/stepForm.ts). A refused answer shows the GOV.UK error
 * summary here, on the notice; an accepted one goes to the case page, which shows where the case went.
 * The e-mail of a notice that asks for a response links here. Out of the viewer's scope is 404, as the case.
 */
import { Router, type Request, type Response } from 'express';
import { deadlineInWords } from '../../activities/noticeMail';
import type { Principal } from '../../api/auth';
import { casePage, noticeCaseOf, type CasePage } from '../../api/readModels/cases';
import { noticeAwaitingResponse } from '../../api/readModels/dashboard';
import { caseView } from './cases';
import type { RawForm } from '../forms';
import { casePath, stepPath } from '../paths';
import { redirectAfterSave } from '../session';
import { render, requireSignIn } from '../render';
import { loadStep, stepFormView, submitStep, type LoadedStep, type StepDeps } from '../stepForm';
import { timeLeft } from './dashboard';
import { scenarioNow } from '../../platform/scenarioClock';

/** The notice's case page, the notice, and the viewer's steps that answer it (none once it is answered or superseded). */
async function loadNotice(deps: StepDeps, principal: Principal, id: string) {
  const workflowId = await noticeCaseOf(deps.db, id);
  const page = workflowId ? await casePage(deps.db, principal, workflowId) : null;
  const notice = page?.notices.find((n) => n.id === id);
  if (!page || !notice) return null;
  const awaited = noticeAwaitingResponse(
    page.notices.map((n) => ({ ...n, workflowId: page.case.workflowId })),
    page.tasks.map((t) => ({ workflowId: page.case.workflowId, roles: t.roles })),
    principal.role,
  ).some((n) => n.id === id);
  const steps = awaited
    ? page.tasks.filter(
        (task) =>
          task.roles.includes(principal.role) && deps.steps.find(page.case.kind, page.case.workflowId, task.step),
      )
    : [];
  return { page, notice, steps };
}

function noticeView(
  deps: StepDeps,
  principal: Principal,
  loaded: NonNullable<Awaited<ReturnType<typeof loadNotice>>>,
  form: ReturnType<typeof stepFormView> | null,
) {
  const { page, notice, steps } = loaded;
  const view = caseView(deps.steps, principal, page as CasePage);
  const shown = view.notices.find((n) => n.id === notice.id);
  const left = notice.respondBy ? timeLeft(notice.respondBy, scenarioNow()) : null;
  return {
    title: notice.title,
    caseTitle: view.title,
    caseHref: casePath(page.case.workflowId),
    notice: shown,
    respondBy: notice.respondBy ? deadlineInWords(notice.respondBy.toISOString()) : null,
    left,
    caseSummary: view.summary.filter((row) => ['Consortium', 'Stage', 'Status'].includes(row.key.text)),
    awaited: steps.length > 0,
    form,
    // Further steps the viewer may take in answer (e.g. one rectification plan per condition), each on its own page.
    otherSteps: steps
      .filter((task) => task.step !== form?.step || task.item !== form?.item)
      .map((task) => ({ title: task.title, href: stepPath(page.case.workflowId, task.step, task.item) })),
    errorList: form?.errorList ?? [],
  };
}

export function noticeRoutes(deps: StepDeps): Router {
  const router = Router();

  /** The first step that answers the notice, loaded for its form; or `wanted` when the post names it. */
  async function formStep(
    principal: Principal,
    loaded: NonNullable<Awaited<ReturnType<typeof loadNotice>>>,
    wanted?: { step: string; item: string | null },
  ): Promise<LoadedStep | null> {
    const task = wanted
      ? loaded.steps.find((t) => t.step === wanted.step && (t.item ?? null) === wanted.item)
      : loaded.steps[0];
    return task ? loadStep(deps, principal, loaded.page.case.workflowId, task.step, task.item) : null;
  }

  const show = (req: Request, res: Response, view: ReturnType<typeof noticeView>, status = 200) =>
    render(deps, req, res, 'notice.njk', view, status);

  router.get('/notices/:id', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const loaded = await loadNotice(deps, principal, String(req.params.id));
      if (!loaded) return next();
      const step = await formStep(principal, loaded);
      show(req, res, noticeView(deps, principal, loaded, step ? stepFormView(step, {}, []) : null));
    } catch (error) {
      next(error);
    }
  });

  router.post('/notices/:id', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const loaded = await loadNotice(deps, principal, String(req.params.id));
      if (!loaded) return next();
      const posted = (req.body ?? {}) as RawForm;
      const item = typeof posted.item === 'string' && posted.item !== '' ? posted.item : null;
      const step = await formStep(principal, loaded, { step: String(posted.step ?? ''), item });
      // Answered or superseded meanwhile: the notice shows that it awaits nothing now (409, as the API).
      if (!step) return show(req, res, noticeView(deps, principal, loaded, null), 409);
      const submitted = await submitStep(step, posted);
      switch (submitted.outcome) {
        case 'not-found':
          return next();
        case 'change':
          return show(req, res, noticeView(deps, principal, loaded, stepFormView(step, submitted.raw, [])));
        case 'refused':
          return show(
            req,
            res,
            noticeView(deps, principal, loaded, stepFormView(step, submitted.raw, submitted.problems)),
            submitted.status,
          );
        case 'check':
          return render(deps, req, res, 'check-answers.njk', submitted.context);
        case 'taken':
          req.session.flash = { step: step.row.summary, consequence: submitted.consequence };
          return await redirectAfterSave(req, res, casePath(step.record.workflowId));
      }
    } catch (error) {
      next(error);
    }
  });
  return router;
}
