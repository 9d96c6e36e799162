/**
 * `/cases/:workflowId`: one case (issue 13 item 5): its summary, a stage stepper, the steps pending with
 * a link to the form of each the viewer may take (web/routes/steps.ts), the timeline and the notices.
 * Out of the viewer's scope is 404, as in the API.
 */
import { Router } from 'express';
import type { Principal } from '../../api/auth';
import { casePage } from '../../api/readModels/cases';
import type { StepCatalogue } from '../../api/steps';
import { casePageView } from '../caseView';
import { stepPath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';

export function caseRoutes(deps: PageDeps & { steps: StepCatalogue }): Router {
  const router = Router();
  router.get('/cases/:workflowId', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const page = await casePage(deps.db, principal, req.params.workflowId as string);
      if (!page) return render(deps, req, res, 'not-found.njk', {}, 404);
      const flash = req.session.flash ?? null;
      delete req.session.flash;
      const view = casePageView(page, {
        stages: deps.steps.stagesOf(page.case.kind),
        // A pending step the viewer's role takes, and that the pages can take: a link to its form.
        stepHref: (task) =>
          task.roles.includes(principal.role) && deps.steps.find(page.case.kind, page.case.workflowId, task.step)
            ? stepPath(page.case.workflowId, task.step, task.item)
            : null,
      });
      render(deps, req, res, 'case.njk', { ...view, flash });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
