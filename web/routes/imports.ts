/**
 * `/admin/imports` (issue 15): an administrator uploads a quarterly list-size file, follows its run
 * (the page refreshes itself while it runs: no JavaScript needed) and reads its summary; the list of
 * runs, newest first. The upload is streamed before the CSRF check reads the form's token, by
 * {@link uploadBeforeCsrf}, which drains the file unsaved unless the token (the form's first field) is good.
 * Anyone but an administrator gets the not-found page.
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Principal } from '../../api/auth';
import {
  discardUpload,
  MAX_UPLOAD_BYTES,
  receiveUpload,
  startUploadedImport,
  type Upload,
} from '../../api/importUpload';
import { importRun, importRuns, type ImportRunView } from '../../api/readModels/imports';
import { principalOfUser } from '../../api/readModels/users';
import type { Db } from '../../platform/db';
import { quarterLabel } from '../../prisma/import/nhs2013';
import { ukDateTime, words } from '../format';
import { casePath, importRunPagePath, IMPORTS_PAGE } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';

/** Runs listed on the page; the API lists up to 100. */
const SHOWN = 50;
const thousands = (value: number) => value.toLocaleString('en-GB');

/** Parses an upload to the imports page before the CSRF check, so that it can read the form's token. */
export function uploadBeforeCsrf(db: Db, validCsrf: (req: Request) => boolean): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== 'POST' || req.path !== IMPORTS_PAGE || !req.is('multipart/form-data')) return next();
    try {
      const userId = req.session.userId;
      const principal = userId ? await principalOfUser(db, userId) : null;
      // Not an administrator: nothing is read; the page answers not found.
      if (principal?.role !== 'admin') return next();
      const upload = await receiveUpload(req, (fields) => {
        req.body = fields;
        return validCsrf(req);
      });
      req.body = upload.fields;
      res.locals.upload = upload;
      next();
    } catch (error) {
      next(error);
    }
  };
}

function runView(run: ImportRunView) {
  const percent =
    run.progress.total && run.progress.total > 0
      ? Math.round(((run.progress.done ?? 0) / run.progress.total) * 100)
      : null;
  return {
    ...run,
    href: importRunPagePath(run.id),
    quarter: run.period ? `${quarterLabel(run.period)} (${run.period})` : 'not read',
    startedAt: ukDateTime(run.startedAt),
    finishedAt: run.finishedAt ? ukDateTime(run.finishedAt) : null,
    statusText: {
      running: 'Running',
      succeeded: 'Imported',
      unchanged: 'Nothing changed',
      refused: 'Refused',
      failed: 'Failed',
    }[run.status],
    statusColour: { running: 'blue', succeeded: 'green', unchanged: 'grey', refused: 'red', failed: 'red' }[run.status],
    size: `${thousands(Math.round(run.sizeBytes / 1024))} KB`,
    progressText: run.progress.step
      ? `${run.progress.step}: ${thousands(run.progress.done ?? 0)} of ${thousands(run.progress.total ?? 0)}${percent === null ? '' : ` (${percent}%)`}`
      : 'starting',
    /** The write counts with thousands separators, for the summary table. */
    written: run.counts
      ? Object.fromEntries(
          (['practices', 'listSizes'] as const).map((table) => [
            table,
            Object.fromEntries(Object.entries(run.counts?.[table] ?? {}).map(([k, v]) => [k, thousands(v)])),
          ]),
        )
      : null,
    previousQuarter: run.previousPeriod ? quarterLabel(run.previousPeriod) : null,
    olderThanQuarter: run.olderThan ? quarterLabel(run.olderThan) : null,
    caseOf: Object.fromEntries(
      run.cases.map((c) => [
        `${c.kind}:${c.practiceCode}`,
        {
          href: c.workflowId ? casePath(c.workflowId) : null,
          text: words(c.outcome),
        },
      ]),
    ),
  };
}

export function importRoutes(deps: PageDeps & { temporal: Client; taskQueue: string }): Router {
  const router = Router();
  const isAdmin = (res: { locals: Record<string, unknown> }) => (res.locals.principal as Principal).role === 'admin';
  const listPage = async (
    req: Request,
    res: Parameters<RequestHandler>[1],
    errors: { text: string; href: string }[] = [],
  ) => {
    const { total, items } = await importRuns(deps.db, SHOWN);
    render(
      deps,
      req,
      res,
      'imports.njk',
      { runs: items.map(runView), total, errors, maxMb: MAX_UPLOAD_BYTES / 1024 / 1024 },
      errors.length > 0 ? 422 : 200,
    );
  };

  router.get(IMPORTS_PAGE, requireSignIn(deps), async (req, res, next) => {
    try {
      if (!isAdmin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      await listPage(req, res);
    } catch (error) {
      next(error);
    }
  });

  router.post(IMPORTS_PAGE, requireSignIn(deps), async (req, res, next) => {
    const upload = res.locals.upload as Upload | undefined;
    try {
      if (!isAdmin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      if (!upload || upload.problem || !upload.file) {
        await discardUpload(upload?.file ?? null);
        return await listPage(req, res, [
          { text: upload?.problem?.reason ?? 'choose a list-size file (CSV) to upload', href: '#file' },
        ]);
      }
      const period = (upload.fields.period ?? '').trim();
      if (period !== '' && !/^\d{4}-(01|04|07|10)$/.test(period)) {
        await discardUpload(upload.file);
        return await listPage(req, res, [
          { text: 'Enter the quarter as its first month, for example 2014-04 for April to June 2014', href: '#period' },
        ]);
      }
      const principal = res.locals.principal as Principal;
      const id = await startUploadedImport(
        { db: deps.db, temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log },
        upload.file,
        { actor: principal.name, ...(period ? { period } : {}), allowOlder: upload.fields.allowOlder === 'true' },
      );
      res.redirect(303, importRunPagePath(id));
    } catch (error) {
      await discardUpload(upload?.file ?? null);
      next(error);
    }
  });

  router.get(`${IMPORTS_PAGE}/:id`, requireSignIn(deps), async (req, res, next) => {
    try {
      if (!isAdmin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      const id = Number(req.params.id);
      const run = Number.isSafeInteger(id) && id > 0 && id < 2_147_483_648 ? await importRun(deps.db, id) : null;
      if (!run) return render(deps, req, res, 'not-found.njk', {}, 404);
      render(deps, req, res, 'import-run.njk', { run: runView(run) });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
