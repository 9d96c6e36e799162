/**
 * `/cases/:workflowId/steps/:step`: the form for one human step, built from its step-table row
 * (web/forms.ts), and its submission through the same checks and Update as the API's route
 * (web/stepForm.ts, api/steps.ts `takeStep`). Errors show the GOV.UK error summary with the API's
 * messages. A decision that escalates, imposes conditions or withdraws responsibilities (the row's
 * `consequence`) first shows "check your answers", and after it a confirmation panel (issue 13, item 5).
 *
 * A case outside the viewer's scope, a step of another role and a step the pages cannot take are all
 * 404, as in the API.
 */
import { Router, type Request, type Response } from 'express';
import type { Principal } from '../../api/auth';
import type { RawForm } from '../forms';
import { casePath } from '../paths';
import { redirectAfterSave } from '../session';
import { render, requireSignIn } from '../render';
import { loadStep, stepFormView, submitStep, type StepDeps } from '../stepForm';

export function stepRoutes(deps: StepDeps): Router {
  const router = Router();

  const load = (req: Request, res: Response) => {
    const rawItem = req.method === 'GET' ? req.query.item : (req.body as RawForm | undefined)?.item;
    const item = typeof rawItem === 'string' && rawItem !== '' ? rawItem : null;
    return loadStep(
      deps,
      res.locals.principal as Principal,
      String(req.params.workflowId),
      String(req.params.step),
      item,
    );
  };

  router.get('/cases/:workflowId/steps/:step', requireSignIn(deps), async (req, res, next) => {
    try {
      const loaded = await load(req, res);
      if (!loaded) return next();
      render(deps, req, res, 'step.njk', stepFormView(loaded, {}, []));
    } catch (error) {
      next(error);
    }
  });

  router.post('/cases/:workflowId/steps/:step', requireSignIn(deps), async (req, res, next) => {
    try {
      const loaded = await load(req, res);
      if (!loaded) return next();
      const submitted = await submitStep(loaded, (req.body ?? {}) as RawForm);
      switch (submitted.outcome) {
        case 'not-found':
          return next();
        case 'change':
          return render(deps, req, res, 'step.njk', stepFormView(loaded, submitted.raw, []));
        case 'refused':
          return render(
            deps,
            req,
            res,
            'step.njk',
            stepFormView(loaded, submitted.raw, submitted.problems),
            submitted.status,
          );
        case 'check':
          return render(deps, req, res, 'check-answers.njk', submitted.context);
        case 'taken':
          req.session.flash = { step: loaded.row.summary, consequence: submitted.consequence };
          return await redirectAfterSave(req, res, casePath(loaded.record.workflowId));
      }
    } catch (error) {
      next(error);
    }
  });
  return router;
}
