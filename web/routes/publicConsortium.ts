/**
 * `/public/consortia/{code}`: the public page of one consortium (issue 14), which the map and the
 * registers link to: who it is (name, area team, region, status, population), and its entries in every
 * public register (its authorisation decision and conditions, declared interests, awards, allocations),
 * in the registers' own columns. An unknown code is the not-found page.
 */
import { Router } from 'express';
import { PAGE_LIMIT } from '../../api/pagination';
import { publicConsortium } from '../../api/readModels/consortia';
import { placeNames } from '../../api/readModels/registers';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import { ukDate } from '../format';
import { pageHeadings, pageRows, shownColumns } from '../registerTable';
import { REGISTERS, registerPath, statusWords, type Register } from '../registers';
import { render, type PageDeps } from '../render';

/** The columns that say which consortium a row is of: on its own page, they say nothing. */
const OWN_COLUMNS = ['consortium', 'code', 'region'];

/** `2013-04` → `April to June 2013`. */
function quarterWords(period: string): string {
  const [year, month] = period.split('-').map(Number);
  if (!year || !month) return period;
  const name = (m: number) =>
    new Date(Date.UTC(2000, m - 1, 1)).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  const last = ((month + 1) % 12) + 1;
  return `${name(month)} to ${name(last)} ${last < month ? year + 1 : year}`;
}

export function publicConsortiumRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/public/consortia/:code', async (req, res, next) => {
    try {
      const code = req.params.code;
      const consortium = CONSORTIUM_CODE.test(code) ? await publicConsortium(deps.db, code) : null;
      if (!consortium) return render(deps, req, res, 'not-found.njk', {}, 404);
      const places = await placeNames(deps.db);
      const sections = [];
      for (const register of REGISTERS as readonly Register<unknown>[]) {
        const query = register.query.parse({ consortiumCode: code, limit: String(PAGE_LIMIT.max) });
        const first = await register.read(deps.db, query, places);
        // The allocations register shows one run at a time; here, every published run.
        const reads = first.runs?.length
          ? await Promise.all(first.runs.map((run) => register.read(deps.db, { ...query, run: run.value }, places)))
          : [first];
        const columns = shownColumns(register.columns, OWN_COLUMNS);
        sections.push({
          title: register.title,
          id: register.name,
          href: `${registerPath(register.name)}?consortiumCode=${encodeURIComponent(code)}`,
          headings: pageHeadings(columns),
          rows: pageRows(
            columns,
            reads.flatMap((read) => read.page.items),
          ),
        });
      }
      const population = consortium.population;
      render(deps, req, res, 'public-consortium.njk', {
        consortium: {
          code: consortium.code,
          name: consortium.name,
          areaTeam: consortium.areaTeam ? (places.areaTeams.get(consortium.areaTeam) ?? consortium.areaTeam) : null,
          region: consortium.region ? (places.regions.get(consortium.region) ?? consortium.region) : null,
          status: statusWords(consortium.status),
          establishedOn: consortium.establishedOn ? ukDate(consortium.establishedOn) : null,
          population:
            population && population.practices > 0
              ? `${population.registeredPatients.toLocaleString('en-GB')} patients registered at ` +
                `${population.practices} member practice${population.practices === 1 ? '' : 's'} (${quarterWords(population.period)})`
              : null,
        },
        sections,
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
