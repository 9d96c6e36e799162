/** `/cases/:workflowId`: one case, read-only for now (issue 13 item 5). Out of the viewer's scope is 404, as in the API. */
import { Router } from 'express';
import type { Principal } from '../../api/auth';
import { casePage } from '../../api/readModels/cases';
import { casePageView } from '../caseView';
import { render, requireSignIn, type PageDeps } from '../render';

export function caseRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/cases/:workflowId', requireSignIn(deps), async (req, res, next) => {
    try {
      const page = await casePage(deps.db, res.locals.principal as Principal, req.params.workflowId as string);
      if (!page) return render(deps, req, res, 'not-found.njk', {}, 404);
      render(deps, req, res, 'case.njk', casePageView(page));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
