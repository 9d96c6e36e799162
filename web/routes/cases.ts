/**
 * `/cases/:workflowId`: one case (issue 13 item 5): its summary, a stage stepper, the steps pending with
 * a link to the form of each the viewer may take (web/routes/steps.ts), the timeline and the notices.
 * Out of the viewer's scope is 404, as in the API.
 */
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Principal } from '../../api/auth';
import { casePage, type CasePage } from '../../api/readModels/cases';
import { procurementOfCase } from '../../api/readModels/procurements';
import type { StepCatalogue } from '../../api/steps';
import { casePageView } from '../caseView';
import { procurementCaseView } from '../procurementView';
import { stepPath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';
import { redirectAfterSave } from '../session';

/** The case page's view: its stepper from the kind's stages, and a link to each pending step the viewer may take. */
export function caseView(steps: StepCatalogue, principal: Principal, page: CasePage) {
  const open = page.case.status === 'open';
  const optional = open ? steps.optionalSteps(page.case.kind, page.case.stage, principal.role) : [];
  return {
    ...caseViewOf(steps, principal, page),
    optionalSteps: optional.map((row) => ({
      title: row.summary,
      href: stepPath(page.case.workflowId, row.name),
    })),
  };
}

function caseViewOf(steps: StepCatalogue, principal: Principal, page: CasePage) {
  return casePageView(page, {
    stages: steps.stagesOf(page.case.kind),
    stepHref: (task) =>
      task.roles.includes(principal.role) && steps.find(page.case.kind, page.case.workflowId, task.step)
        ? stepPath(page.case.workflowId, task.step, task.item)
        : null,
  });
}

export function caseRoutes(deps: PageDeps & { steps: StepCatalogue; temporal: Client }): Router {
  const router = Router();
  router.get('/cases/:workflowId', requireSignIn(deps), async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal;
      const page = await casePage(deps.db, principal, req.params.workflowId as string);
      if (!page) {
        // A step that takes the case out of the viewer's hands (a third party refusing a hand-off): say it
        // was recorded, in the inbox, rather than answer the redirect after it with "page not found".
        const taken = req.session.flash;
        if (taken) {
          delete req.session.flash;
          req.session.inboxMessage = { error: false, text: `${taken.step}: recorded. The case is no longer yours.` };
          return redirectAfterSave(req, res, '/inbox').catch(next);
        }
        return render(deps, req, res, 'not-found.njk', {}, 404);
      }
      const flash = req.session.flash ?? null;
      delete req.session.flash;
      // A procurement's bids, scores, award, payments and referral returns, as far as the viewer may read them.
      const procurement =
        page.case.kind === 'procurement'
          ? await procurementOfCase(deps.db, deps.temporal, principal, page.case.workflowId)
          : null;
      render(deps, req, res, 'case.njk', {
        ...caseView(deps.steps, principal, page),
        procurement: procurement
          ? procurementCaseView(procurement.view, page.names, procurement.organisationNames)
          : null,
        flash,
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
