/**
 * `/public/map`: the map of the consortia for the public (issue 14 item 5; §5.13, §5.19, KF Q7 and Q16:
 * decisions open to public scrutiny). No sign-in, no cookie, cacheable. The shapes are drawn once per
 * process (web/map.ts); a GET form chooses the shading (web/mapShading.ts), so it works without
 * JavaScript. Every area links to the consortium's public page, and a table below gives the same figures.
 */
import { Router } from 'express';
import { z } from 'zod';
import { latestAnnouncedAllocation } from '../../api/readModels/allocations';
import { consortiaWithPopulation } from '../../api/readModels/consortia';
import { pencePerHead } from '../../domain/money';
import { policyInForceNow } from '../../api/readModels/policy';
import { money, ukDate, words } from '../format';
import { consortiumMap, type MapArea } from '../map';
import { DEFAULT_SHADING, SHADINGS, shadeConsortia, type MapConsortium, type Shading } from '../mapShading';
import { publicConsortiumPath } from '../paths';
import { render, type PageDeps } from '../render';

const shadingKeys = Object.keys(SHADINGS) as [Shading, ...Shading[]];
const mapQuery = z.object({ shading: z.enum(shadingKeys).default(DEFAULT_SHADING) });

/** `2013-04` → `April to June 2013` (a list-size return covers the quarter from its first month). */
function quarterOf(period: string): string {
  const [year = '', month = ''] = period.split('-');
  const start = new Date(Date.UTC(Number(year), Number(month) - 1, 1));
  const end = new Date(Date.UTC(Number(year), Number(month) + 1, 1));
  const monthName = (d: Date) => d.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${monthName(start)} to ${monthName(end)} ${end.getUTCFullYear()}`;
}

export function publicMapRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/public/map', async (req, res, next) => {
    try {
      const parsed = mapQuery.safeParse({
        shading: typeof req.query.shading === 'string' ? req.query.shading : undefined,
      });
      const shading = parsed.success ? parsed.data.shading : DEFAULT_SHADING;
      const [register, allocation] = await Promise.all([
        consortiaWithPopulation(deps.db),
        latestAnnouncedAllocation(deps.db),
      ]);
      const map = consortiumMap();
      const onRecord = new Map(register.consortia.map((c) => [c.code, c]));
      const lineOf = new Map((allocation?.lines ?? []).map((line) => [line.consortiumCode, line]));
      const consortia: MapConsortium[] = map.areas.map((area) => {
        const c = onRecord.get(area.code);
        const line = lineOf.get(area.code);
        return {
          code: area.code,
          name: c?.name ?? area.name,
          status: c?.status ?? null,
          population: c ? c.population : null,
          allocationPerHeadPence: line ? pencePerHead(line.programmePence, line.registeredPatients) : null,
        };
      });
      const shaded = shadeConsortia(shading, consortia, (await policyInForceNow(deps.db)).general);
      const nameOf = new Map(consortia.map((c) => [c.code, c.name]));
      const drawn = (area: MapArea) => {
        const { colour, value } = shaded.of(area.code);
        const name = nameOf.get(area.code) ?? area.name;
        return { href: publicConsortiumPath(area.code), d: area.d, colour, title: `${name}: ${value}` };
      };
      const byName = [...consortia].sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
      render(
        deps,
        req,
        res,
        'public-map.njk',
        {
          shading,
          shadingLabel: SHADINGS[shading],
          shadingItems: shadingKeys.map((key) => ({ value: key, text: SHADINGS[key], checked: key === shading })),
          errors: parsed.success
            ? null
            : [
                {
                  text: `Choose how to shade the map: ${Object.values(SHADINGS).join(', ').toLowerCase()}`,
                  href: '#shading',
                },
              ],
          map: {
            width: map.width,
            height: map.height,
            areas: map.areas.map(drawn),
            inset: map.inset ? { ...map.inset, areas: map.inset.areas.map(drawn) } : null,
          },
          legend: shaded.legend,
          count: consortia.length,
          populationPeriod: register.period ? quarterOf(register.period) : null,
          allocation: allocation
            ? {
                financialYear: allocation.run.financialYear,
                basis: words(allocation.run.basis).toLowerCase(),
                announcedOn: ukDate(allocation.run.announcedOn),
              }
            : null,
          rows: byName.map((c) => ({
            href: publicConsortiumPath(c.code),
            name: c.name,
            status: c.status ? words(c.status) : 'Not on the register',
            population: c.population === null ? '' : c.population.toLocaleString('en-GB'),
            perHead: c.allocationPerHeadPence === null ? '' : money(c.allocationPerHeadPence),
          })),
        },
        parsed.success ? 200 : 400,
      );
    } catch (error) {
      next(error);
    }
  });
  return router;
}
