/**
 * The public registers (issue 14, item 4), with no sign-in: `/public/registers` lists them, and
 * `/public/registers/{name}` shows one a page at a time, filtered by consortium or region, saying when it
 * last changed and under which rule versions. `/public/registers/{name}.csv` and `.json` download the
 * whole register as filtered, in the columns of the page's table (web/registerTable.ts).
 */
import { Router, type Response } from 'express';
import { AppError, type FieldProblem } from '../../api/errors';
import { PAGE_LIMIT, type Page } from '../../api/pagination';
import { consortiaToChoose, placeNames, type RegisterMeta } from '../../api/readModels/registers';
import { ukDateTime } from '../format';
import { csvOf, jsonRecord, pageHeadings, pageRows } from '../registerTable';
import {
  REGISTERS,
  REGISTERS_PATH,
  registerNamed,
  registerPath,
  type Register,
  type RegisterQuery,
} from '../registers';
import { render, type PageDeps } from '../render';

/** The filters' labels, by query parameter, for the error summary. */
const FIELD_LABELS: Record<string, string> = {
  consortiumCode: 'Consortium',
  region: 'Region',
  run: 'Run',
  cursor: 'Page',
  limit: 'Page size',
  sort: 'Order',
};

/** The query parameters a register's page keeps from one page to the next (not the cursor). */
const KEPT = ['consortiumCode', 'region', 'run'] as const;

const hrefWith = (base: string, query: Record<string, unknown>, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams();
  for (const key of KEPT) {
    const value = query[key];
    if (typeof value === 'string' && value !== '') params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `${base}?${text}` : base;
};

/** A request's query without blank filters (a filter left blank in the form is no filter). */
const givenQuery = (query: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(query).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));

function parseQuery(register: Register<unknown>, query: Record<string, unknown>) {
  const parsed = register.query.safeParse(givenQuery(query));
  if (parsed.success) return { query: parsed.data, errors: [] as FieldProblem[] };
  return {
    query: null,
    errors: parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'query'), reason: issue.message })),
  };
}

const metaText = (meta: RegisterMeta) => ({
  lastUpdated: meta.lastUpdated ? ukDateTime(meta.lastUpdated) : 'Nothing is on the register yet',
  ruleVersions: meta.ruleVersions.length ? meta.ruleVersions.join('; ') : 'None cited yet',
});

/** The whole register as filtered, every page of it (for the downloads). */
async function wholeRegister(deps: PageDeps, register: Register<unknown>, query: RegisterQuery) {
  const places = await placeNames(deps.db);
  const rows: unknown[] = [];
  let cursor: string | undefined;
  let first: Awaited<ReturnType<Register<unknown>['read']>> | null = null;
  do {
    const read: { page: Page<unknown>; meta: RegisterMeta } = await register.read(
      deps.db,
      { ...query, limit: PAGE_LIMIT.max, ...(cursor ? { cursor } : {}) },
      places,
    );
    first ??= read;
    rows.push(...read.page.items);
    cursor = read.page.nextCursor ?? undefined;
  } while (cursor);
  return { rows, meta: first.meta };
}

function setLastModified(res: Response, meta: RegisterMeta) {
  if (meta.lastUpdated) res.setHeader('Last-Modified', meta.lastUpdated.toUTCString());
}

export function registerRoutes(deps: PageDeps): Router {
  const router = Router();

  router.get(REGISTERS_PATH, (req, res) => {
    render(deps, req, res, 'registers.njk', {
      registers: REGISTERS.map((register) => ({
        title: register.title,
        description: register.description,
        href: registerPath(register.name),
        csv: registerPath(register.name, 'csv'),
        json: registerPath(register.name, 'json'),
      })),
    });
  });

  router.get(`${REGISTERS_PATH}/:file`, async (req, res, next) => {
    try {
      const [, name, format] = /^([a-z-]+?)(?:\.(csv|json))?$/.exec(req.params.file) ?? [];
      const register = name ? registerNamed(name) : undefined;
      if (!register) return render(deps, req, res, 'not-found.njk', {}, 404);
      const { query, errors } = parseQuery(register, req.query);

      if (format) {
        if (!query)
          return void res
            .status(400)
            .type('application/problem+json')
            .send(
              JSON.stringify({
                type: 'about:blank',
                title: 'Bad Request',
                status: 400,
                detail: 'the filters are not valid for this register',
                errors: errors.map((e) => ({ field: `query.${e.field}`, reason: e.reason })),
              }),
            );
        const { rows, meta } = await wholeRegister(deps, register, query);
        setLastModified(res, meta);
        const filename = `${register.name}.${format}`;
        res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
        if (format === 'csv') return void res.type('text/csv; charset=utf-8').send(csvOf(register.columns, rows));
        return void res.type('application/json').send(
          JSON.stringify({
            register: register.title,
            lastUpdated: meta.lastUpdated?.toISOString() ?? null,
            ruleVersions: meta.ruleVersions,
            columns: register.columns.map((c) => ({ key: c.key, heading: c.heading })),
            items: rows.map((row) => jsonRecord(register.columns, row)),
          }),
        );
      }

      const places = await placeNames(deps.db);
      let read: Awaited<ReturnType<Register<unknown>['read']>> | null = null;
      const problems = [...errors];
      if (query) {
        try {
          read = await register.read(deps.db, query, places);
        } catch (error) {
          // A cursor from another list or sort is the visitor's mistake, not ours.
          if (!(error instanceof AppError && error.status === 400)) throw error;
          problems.push(
            ...(error.extra.errors ?? [{ field: 'query', reason: error.message }]).map((e) => ({
              field: e.field.replace(/^query\./, ''),
              reason: e.reason,
            })),
          );
        }
      }
      if (read) setLastModified(res, read.meta);
      const consortia = await consortiaToChoose(deps.db);
      const chosen = (key: 'consortiumCode' | 'region') =>
        typeof req.query[key] === 'string' ? (req.query[key] as string) : '';
      render(
        deps,
        req,
        res,
        'register.njk',
        {
          register: { title: register.title, description: register.description, name: register.name },
          errors: problems.map((p) => ({
            text: `${FIELD_LABELS[p.field] ?? p.field}: ${p.reason}`,
            href: `#${p.field in FIELD_LABELS ? p.field : 'filters'}`,
          })),
          meta: read ? metaText(read.meta) : null,
          headings: pageHeadings(register.columns),
          rows: read ? pageRows(register.columns, read.page.items) : [],
          nextHref: read?.page.nextCursor
            ? hrefWith(registerPath(register.name), req.query, { cursor: read.page.nextCursor })
            : null,
          firstHref: req.query.cursor ? hrefWith(registerPath(register.name), req.query) : null,
          csvHref: hrefWith(registerPath(register.name, 'csv'), req.query),
          jsonHref: hrefWith(registerPath(register.name, 'json'), req.query),
          clearHref: registerPath(register.name),
          consortia: [{ value: '', text: 'All consortia' }].concat(
            consortia.map((c) => ({
              value: c.code,
              text: `${c.name} (${c.code})`,
              selected: c.code === chosen('consortiumCode'),
            })),
          ),
          regions: [{ value: '', text: 'All regions' }].concat(
            [...places.regions].map(([code, name]) => ({
              value: code,
              text: name,
              selected: code === chosen('region'),
            })),
          ),
          runs: read?.runs ?? null,
          chart: read?.chart ?? null,
          notes: read?.notes ?? [],
        },
        problems.length ? 400 : 200,
      );
    } catch (error) {
      next(error);
    }
  });

  return router;
}
