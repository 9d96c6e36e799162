/**
 * `/dashboard/:action`: what a consortium officer starts that is not a step of a case (issue 14, item 1):
 * a financial report (which opens or escalates an intervention over the threshold, §5.18), a concern
 * about a member practice (§5.21), a request to move a practice to another consortium (§4.9), and a
 * procurement (§5.11–5.13). Each form is the API operation's own body schema (web/forms.ts), and each
 * post runs the API's own use case (api/useCases/), so the page refuses what the API refuses, with its
 * messages in the GOV.UK error summary. Only for a consortium officer of a consortium: anyone else, 404.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../api/app';
import type { Principal } from '../../api/auth';
import { AppError } from '../../api/errors';
import { allocationOnRecord } from '../../api/readModels/allocations';
import { caseInScope } from '../../api/readModels/cases';
import { consortiumChoices } from '../../api/readModels/dashboard';
import { untilReadable } from '../../api/started';
import { openPracticeConcern, reportForecastOutturn } from '../../api/useCases/interventions';
import { requestMembershipChange } from '../../api/useCases/membershipChange';
import { declarationRequestBody } from '../../api/routes/interests';
import { requestDeclaration } from '../../api/useCases/requestDeclaration';
import { startProcurement } from '../../api/useCases/startProcurement';
import { financialYearLabel } from '../../domain/calendar';
import { formatPence } from '../../domain/money';
import { financialReportBody } from '../../workflows/contracts/intervention';
import { membershipChangeBody, membershipChangeParams } from '../../workflows/contracts/membershipChange';
import { practiceConcernBody } from '../../workflows/contracts/practiceConcern';
import { registerProcurementBody } from '../../workflows/contracts/procurement';
import { errorsOf, formItems, readForm, type FormHints, type RawForm } from '../forms';
import { words } from '../format';
import { casePath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';
import { CSRF_FIELD, redirectAfterSave } from '../session';
import { scenarioNow } from '../../platform/scenarioClock';

type Deps = PageDeps & Pick<AppDeps, 'temporal' | 'taskQueue'>;
type Choices = Awaited<ReturnType<typeof consortiumChoices>>;
/** Where a done action leads: the case it opened, or the dashboard with what happened. */
type Done = { workflowId: string | null; message: string };

interface Action<Body extends z.ZodType> {
  title: string;
  description: string;
  body: Body;
  hints(code: string, choices: Choices, deps: Deps): Promise<FormHints> | FormHints;
  run(deps: Deps, principal: Principal, body: z.output<Body>): Promise<Done>;
}

const action = <Body extends z.ZodType>(spec: Action<Body>) => spec as unknown as Action<z.ZodType>;
const thisMonth = () => scenarioNow().toISOString().slice(0, 7);
const practiceOptions = (choices: Choices) =>
  choices.practices.map((p) => ({ value: p.code, text: `${p.name} (${p.code})` }));

/** A request to move a practice: the practice (the API's path parameter) asked on the form beside the body. */
const membershipChangeForm = z.strictObject({
  practiceCode: membershipChangeParams.shape.code.describe('The member practice that asks to move.'),
  ...membershipChangeBody.shape,
});

export const CONSORTIUM_ACTIONS: Record<string, Action<z.ZodType>> = {
  'financial-report': action({
    title: 'Report a forecast outturn',
    description:
      'Your forecast outturn against your allocation. Over the threshold of the intervention ladder in force ' +
      '(§5.18 financial failure; §3.9 the duty to break even), an intervention case opens, or the open one escalates.',
    body: financialReportBody,
    async hints(code, _choices, deps) {
      const month = thisMonth();
      const [year, m] = month.split('-').map(Number) as [number, number];
      const onRecord = await allocationOnRecord(deps.db, code, financialYearLabel(m >= 4 ? year : year - 1));
      return {
        values: {
          reportedFor: month,
          ...(onRecord ? { allocationPence: onRecord.programmePence.toString() } : {}),
        },
        labels: { reportedFor: 'Month of the forecast (YYYY-MM)' },
      };
    },
    async run(deps, principal, body) {
      const result = await reportForecastOutturn(deps, principal, principal.consortiumCode ?? '', body, {});
      const over = `${formatPence(body.forecastOverspendPence)} against ${formatPence(body.allocationPence)}`;
      return {
        workflowId: result.case?.workflowId ?? null,
        message: `Forecast recorded: ${over}. ${result.explanation}`,
      };
    },
  }),
  'practice-concern': action({
    title: 'Raise a concern about a member practice',
    description:
      'A concern about one of your member practices (§5.21), with its evidence. Unresolved by the deadline of the ' +
      'policy in force, it goes to the Board as a primary-care contract concern.',
    body: practiceConcernBody,
    hints: (_code, choices) => ({
      options: { practiceCode: practiceOptions(choices) },
      labels: { practiceCode: 'Practice' },
    }),
    async run(deps, principal, body) {
      const opened = await openPracticeConcern(deps, principal, body);
      return { workflowId: opened.workflowId, message: 'Concern raised.' };
    },
  }),
  'membership-change': action({
    title: 'Ask to move a practice to another consortium',
    description:
      'A member practice asks to join another consortium (§4.9). Both consortia are told, and a case officer ' +
      'decides, with the date it takes effect.',
    body: membershipChangeForm,
    hints: (_code, choices) => ({
      options: { practiceCode: practiceOptions(choices) },
      labels: { practiceCode: 'Practice', toConsortiumCode: 'Code of the consortium it asks to join' },
    }),
    async run(deps, principal, { practiceCode, ...body }) {
      const made = await requestMembershipChange(deps, principal, practiceCode, body);
      return { workflowId: made.workflowId, message: 'Request made.' };
    },
  }),
  procurement: action({
    title: 'Start a procurement',
    description:
      'A service to buy (§5.11–5.13): by any qualified provider or competitive tender wherever possible, with the ' +
      'published award criteria and the people who decide it. Declarations of interest are asked of each of them.',
    body: registerProcurementBody,
    hints: (code, choices) => ({
      fixed: { consortiumCode: code },
      options: {
        decisionGroupPersonIds: choices.officers.map((o) => ({ value: o.id, text: `${o.name} (${words(o.role)})` })),
      },
      labels: { decisionGroupPersonIds: 'Decision group', 'criteria[]': 'Criterion', 'criteria.id': 'Short name' },
    }),
    async run(deps, principal, body) {
      const started = await startProcurement(deps, principal, body);
      return { workflowId: started.workflowId, message: 'Procurement started.' };
    },
  }),
  'declaration-request': action({
    title: 'Ask someone to declare their interests',
    description:
      'A member, governing-body member or member of staff declares their interests within the policy period ' +
      '(s.14O); a reminder goes before the deadline, and a missed deadline goes to the case officer. Choose someone ' +
      'on record, or name someone new.',
    body: declarationRequestBody,
    hints: (_code, choices) => ({
      options: { personId: choices.officers.map((o) => ({ value: o.id, text: `${o.name} (${words(o.role)})` })) },
      labels: {
        personId: 'Someone on record',
        name: 'Or someone new: their name',
        email: 'Their email address',
        userId: 'Their user account, if they have one (its id)',
      },
    }),
    async run(deps, principal, body) {
      const started = await requestDeclaration(deps, principal, principal.consortiumCode ?? '', body);
      return { workflowId: started.workflowId, message: 'Declaration requested.' };
    },
  }),
};

export function consortiumActionRoutes(deps: Deps): Router {
  const router = Router();

  async function load(req: Request, res: Response) {
    const principal = res.locals.principal as Principal;
    const name = String(req.params.action);
    const spec = Object.hasOwn(CONSORTIUM_ACTIONS, name) ? CONSORTIUM_ACTIONS[name] : undefined;
    const code = principal.role === 'consortium_officer' ? principal.consortiumCode : null;
    if (!spec || !code) return null;
    const hints = await spec.hints(code, await consortiumChoices(deps.db, code), deps);
    return { principal, name, spec, hints };
  }
  type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

  const show = (
    req: Request,
    res: Response,
    loaded: Loaded,
    raw: RawForm,
    problems: { field: string; reason: string }[],
    status = 200,
  ) => {
    const blank = formItems(loaded.spec.body, loaded.hints, raw, {});
    const { summary, inline } = errorsOf(problems, blank);
    render(
      deps,
      req,
      res,
      'action.njk',
      {
        title: loaded.spec.title,
        description: loaded.spec.description,
        errorList: summary,
        items: problems.length ? formItems(loaded.spec.body, loaded.hints, raw, inline) : blank,
      },
      status,
    );
  };

  router.get('/dashboard/:action', requireSignIn(deps), async (req, res, next) => {
    try {
      const loaded = await load(req, res);
      if (!loaded) return next();
      show(req, res, loaded, {}, []);
    } catch (error) {
      next(error);
    }
  });

  router.post('/dashboard/:action', requireSignIn(deps), async (req, res, next) => {
    try {
      const loaded = await load(req, res);
      if (!loaded) return next();
      const raw = Object.fromEntries(
        Object.entries((req.body ?? {}) as RawForm).filter(([key]) => key !== CSRF_FIELD),
      ) as RawForm;
      const read = readForm(loaded.spec.body, loaded.hints, raw);
      if (!read.ok) return show(req, res, loaded, raw, read.errors, 400);
      let done: Done;
      try {
        done = await loaded.spec.run(deps, loaded.principal, read.body);
      } catch (error) {
        if (error instanceof AppError && [403, 404, 409, 422].includes(error.status)) {
          const fields = error.extra.errors ?? [];
          const problems =
            fields.length && error.status === 422
              ? fields.map((p) => ({ ...p, field: p.field.replace(/^body\.?/, '') }))
              : [{ field: '', reason: error.message }];
          return show(req, res, loaded, raw, problems, error.status);
        }
        throw error;
      }
      const opened = done.workflowId;
      // A case it opened is on its page once recorded (as the API's `Location`, api/started.ts).
      if (opened && (await untilReadable(() => caseOrThrow(deps, loaded.principal, opened)))) {
        req.session.flash = { step: loaded.spec.title, consequence: null };
        return await redirectAfterSave(req, res, casePath(opened));
      }
      req.session.dashboardMessage = done.message;
      await redirectAfterSave(req, res, '/dashboard');
    } catch (error) {
      next(error);
    }
  });
  return router;
}

async function caseOrThrow(deps: Deps, principal: Principal, workflowId: string) {
  if (!(await caseInScope(deps.db, principal, workflowId))) throw new Error(`${workflowId} is not recorded yet`);
}
