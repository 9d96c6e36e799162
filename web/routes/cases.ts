/**
 * `/cases/:workflowId`: one case (issue 13 item 5): its summary, a stage stepper, the steps pending with
 * a link to the form of each the viewer may take (web/routes/steps.ts), the timeline and the notices.
 * Out of the viewer's scope is 404, as in the API.
 */
import { Router } from 'express';
import type { Principal } from '../../api/auth';
import { casePage, type CasePage } from '../../api/readModels/cases';
import type { StepCatalogue } from '../../api/steps';
import { casePageView } from '../caseView';
import { stepPath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';

/** The case page's view: its stepper from the kind's stages, and a link to each pending step the viewer may take. */
export function caseView(steps: StepCatalogue, principal: Principal, page: CasePage) {
  return casePageView(page, {
    stages: steps.stagesOf(page.case.kind),
    stepHref: (task) =>
      task.roles.includes(principal.role) && steps.find(page.case.kind, page.case.workflowId, task.step)
        ? stepPath(page.case.workflowId, task.step, task.item)
        : null,
  });
}

export function caseRoutes(deps: PageDeps & { steps: StepCatalogue }): Router {
  const router = Router();
  router.get('/cases/:workflowId', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const page = await casePage(deps.db, principal, req.params.workflowId as string);
      if (!page) return render(deps, req, res, 'not-found.njk', {}, 404);
      const flash = req.session.flash ?? null;
      delete req.session.flash;
      render(deps, req, res, 'case.njk', { ...caseView(deps.steps, principal, page), flash });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
