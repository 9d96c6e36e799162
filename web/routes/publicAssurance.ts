/**
 * The public assurance pages (Process 7; KF Q6: performance "open to public scrutiny"; §5.16:
 * benchmarking), with no sign-in and cacheable:
 * - `/public/assurance`: the national table of checkpoint ratings, annual ratings and quality premiums,
 *   with `/public/assurance.csv` and `/public/assurance.json` downloads;
 * - `/public/assurance/{code}`: one consortium's ratings, its benchmarks against its peers and the
 *   funnel plots, drawn on the server.
 * Anything generated for the demonstration is labelled illustrative wherever it is shown.
 */
import { Router } from 'express';
import { csv } from '../../api/routes/allocations';
import {
  consortiumAssurance,
  nationalAssuranceTable,
  valuePeriods,
  yearPeriodOf,
  type NationalTable,
} from '../../api/readModels/assurance';
import { checkpointQuarter } from '../../domain/assurance';
import { DIMENSIONS, DIMENSION_LABELS, type AssuranceFramework } from '../../domain/assuranceFramework';
import { formatPence } from '../../domain/money';
import { funnelPlotSvg, ZONE_WORDS } from '../funnelPlot';
import { render, type PageDeps } from '../render';

const FINANCIAL_YEAR = '2013/14';
const QUARTERS = [1, 2, 3, 4].map((q) => `2013-Q${q}`);
const PERIOD = /^\d{4}-\d{2}(-Q[1-4])?$/;

const categoryLabel = (framework: AssuranceFramework, id: string | null | undefined) =>
  id ? (framework.ratingCategories.find((c) => c.id === id)?.label ?? id) : '';
const number = (value: number, digits = 1) =>
  value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The national table as rows for people and for the downloads (one definition of each column). */
function nationalRows(table: NationalTable) {
  return table.rows.map((row) => {
    const byQuarter = new Map(row.checkpoints.map((c) => [c.quarter, c]));
    return {
      code: row.code,
      name: row.name,
      region: row.regionName ?? '',
      registeredPatients: row.registeredPatients,
      peerGroup: row.peerGroup,
      quarters: QUARTERS.map((q) => {
        const checkpoint = byQuarter.get(q);
        return checkpoint?.rating
          ? categoryLabel(table.framework, checkpoint.rating)
          : checkpoint
            ? `in progress (${checkpoint.stage.replace(/_/g, ' ')})`
            : 'not opened';
      }),
      annual: row.annual
        ? `${row.annual.category.label}${row.annual.status === 'provisional' ? ` (provisional, ${row.annual.checkpointsConcluded} of 4)` : ''}`
        : 'no checkpoint concluded',
      premiumPence: row.qualityPremiumPence,
      premium:
        row.qualityPremiumPence === null
          ? ''
          : row.overspent
            ? '£0.00 (overspent)'
            : formatPence(row.qualityPremiumPence),
    };
  });
}

export function publicAssuranceRoutes(deps: PageDeps): Router {
  const router = Router();

  router.get('/public/assurance', async (req, res, next) => {
    try {
      const table = await nationalAssuranceTable(deps.db, FINANCIAL_YEAR);
      render(deps, req, res, 'public-assurance.njk', {
        financialYear: FINANCIAL_YEAR,
        illustrative: table.illustrative,
        frameworkVersion: table.framework.version,
        categories: table.framework.ratingCategories,
        rows: nationalRows(table),
        quarters: QUARTERS.map((q) => checkpointQuarter(q).label),
      });
    } catch (error) {
      next(error);
    }
  });

  router.get('/public/assurance.csv', async (_req, res, next) => {
    try {
      const table = await nationalAssuranceTable(deps.db, FINANCIAL_YEAR);
      res
        .type('text/csv')
        .attachment(`assurance-${yearPeriodOf(FINANCIAL_YEAR)}.csv`)
        .send(
          csv(
            [
              'consortium_code',
              'consortium_name',
              'region',
              'registered_patients',
              'peer_group',
              ...QUARTERS.map((q) => `checkpoint_${q}`),
              'annual_rating',
              'quality_premium_pence',
              'illustrative',
            ],
            nationalRows(table).map((r) => [
              r.code,
              r.name,
              r.region,
              r.registeredPatients,
              r.peerGroup,
              ...r.quarters,
              r.annual,
              r.premiumPence ?? '',
              table.illustrative,
            ]),
          ),
        );
    } catch (error) {
      next(error);
    }
  });

  router.get('/public/assurance.json', async (_req, res, next) => {
    try {
      const table = await nationalAssuranceTable(deps.db, FINANCIAL_YEAR);
      res
        .type('application/json')
        .attachment(`assurance-${yearPeriodOf(FINANCIAL_YEAR)}.json`)
        .send(
          JSON.stringify({
            financialYear: FINANCIAL_YEAR,
            frameworkVersion: table.framework.version,
            illustrative: table.illustrative,
            note: table.illustrative
              ? 'Performance values and the quality premium rest on ILLUSTRATIVE figures generated for the demonstration; the QOF prevalence registers are real.'
              : null,
            consortia: table.rows.map((row) => ({
              code: row.code,
              name: row.name,
              region: row.regionName,
              registeredPatients: row.registeredPatients,
              peerGroup: row.peerGroup,
              checkpoints: row.checkpoints.map((c) => ({
                quarter: c.quarter,
                stage: c.stage,
                outcome: c.outcome,
                rating: c.rating,
              })),
              annualRating: row.annual
                ? {
                    category: row.annual.category.id,
                    status: row.annual.status,
                    checkpoints: row.annual.checkpointsConcluded,
                  }
                : null,
              qualityPremiumPence: row.qualityPremiumPence,
              overspent: row.overspent,
            })),
          }),
        );
    } catch (error) {
      next(error);
    }
  });

  router.get('/public/assurance/:code', async (req, res, next) => {
    try {
      const periods = await valuePeriods(deps.db);
      const asked = typeof req.query.period === 'string' ? req.query.period : '';
      const period = PERIOD.test(asked) && periods.includes(asked) ? asked : yearPeriodOf(FINANCIAL_YEAR);
      const page = await consortiumAssurance(deps.db, req.params.code, FINANCIAL_YEAR, period);
      if (!page) return render(deps, req, res, 'not-found.njk', {}, 404);
      const { consortium, framework } = page;
      const performance = page.benchmarks.filter((b) => b.indicator.role === 'performance');
      const context = page.benchmarks.filter((b) => b.indicator.role === 'case_mix_context');
      render(deps, req, res, 'public-assurance-consortium.njk', {
        consortium,
        financialYear: FINANCIAL_YEAR,
        period,
        periods: periods.map((p) => ({
          value: p,
          text: p.includes('Q') ? `${p.slice(-2)} ${p.slice(0, 7).replace('-', '/')}` : `${p.replace('-', '/')} (year)`,
          current: p === period,
        })),
        peerGroup: page.peerGroupLabel,
        illustrative:
          page.benchmarks.some((b) => b.benchmark.illustrative) || (page.premium !== null && performance.length > 0),
        annual: page.annual
          ? `${page.annual.category.label}${page.annual.status === 'provisional' ? ` (provisional: ${page.annual.checkpointsConcluded} of 4 checkpoints concluded)` : ''}`
          : 'No checkpoint concluded yet',
        checkpoints: QUARTERS.map((q) => {
          const found = page.checkpoints.find((c) => c.quarter === q);
          return {
            label: checkpointQuarter(q).label,
            stage: found ? found.stage.replace(/_/g, ' ') : 'not opened',
            outcome: found?.outcome ?? '',
            rating: categoryLabel(framework, found?.rating),
          };
        }),
        premium: page.premium
          ? {
              earned: formatPence(page.premium.earnedPence),
              ceiling: formatPence(page.premium.ceilingPence),
              overspent: page.premium.overspent,
              achieved: `${page.premium.achievedBasisPoints / 100}%`,
              practices: page.premium.practices,
              measures: page.premium.measures.map((m) => ({
                label: m.label,
                weight: `${m.weightBasisPoints / 100}%`,
                value: m.value === null ? 'not reported' : number(m.value),
                achieved: m.achieved,
              })),
            }
          : null,
        dimensions: DIMENSIONS.map((dimension) => ({
          label: DIMENSION_LABELS[dimension],
          indicators: performance
            .filter((b) => b.indicator.dimension === dimension)
            .map((b, index) => ({
              id: `${b.indicator.id}-${index}`,
              name: b.indicator.name,
              unit: b.indicator.unit,
              source: b.indicator.source,
              illustrative: b.benchmark.illustrative,
              adjusted: b.indicator.caseMixAdjusted,
              value: number(b.entry.value, 2),
              crude: b.indicator.caseMixAdjusted ? number(b.entry.crudeValue, 2) : null,
              ratio: b.entry.ratio === null ? null : number(b.entry.ratio, 2),
              national: `${b.entry.nationalRank} of ${b.benchmark.nationalCount}`,
              region: b.entry.regionRank === null ? 'none' : `${b.entry.regionRank} of ${b.entry.regionCount}`,
              peer: `${b.entry.peerRank} of ${b.entry.peerCount}`,
              direction: b.indicator.direction.replace(/_/g, ' '),
              spread: {
                min: number(b.benchmark.spread.min, 2),
                lowerQuartile: number(b.benchmark.spread.lowerQuartile, 2),
                median: number(b.benchmark.spread.median, 2),
                upperQuartile: number(b.benchmark.spread.upperQuartile, 2),
                max: number(b.benchmark.spread.max, 2),
              },
              zone: b.entry.zone ? ZONE_WORDS[b.entry.zone] : null,
              // The nearest peers by rank: the consortium and up to three either side.
              peers: nearby(b.peers, consortium.code, 3).map((p) => ({
                name: p.name,
                code: p.code,
                value: number(p.value, 2),
                rank: p.nationalRank,
                self: p.code === consortium.code,
              })),
              svg: b.benchmark.funnel
                ? funnelPlotSvg(b.benchmark.funnel, {
                    title: `${b.indicator.name}, ${period}`,
                    highlight: { code: consortium.code, name: consortium.name },
                    yLabel: b.benchmark.funnel.kind === 'standardised_ratio' ? 'observed ÷ expected' : b.indicator.unit,
                    xLabel: b.benchmark.funnel.kind === 'standardised_ratio' ? 'expected events' : 'denominator',
                    scale: b.benchmark.funnel.kind === 'standardised_ratio' ? 1 : b.indicator.scale,
                    id: `funnel-${b.indicator.id}`,
                  })
                : null,
            })),
        })),
        context: context.map((b) => ({
          name: b.indicator.name.replace(/^Prevalence: /, ''),
          value: number(b.entry.value, 2),
          median: number(b.benchmark.spread.median, 2),
          rank: `${b.entry.nationalRank} of ${b.benchmark.nationalCount}`,
        })),
        contextSource: context[0]?.indicator.source.replace(/, register .*$/, '') ?? null,
      });
    } catch (error) {
      next(error);
    }
  });

  return router;
}

/** The entries around one code in rank order: up to `reach` either side. */
function nearby<T extends { code: string }>(entries: readonly T[], code: string, reach: number): T[] {
  const index = entries.findIndex((e) => e.code === code);
  if (index < 0) return [];
  return entries.slice(Math.max(0, index - reach), index + reach + 1);
}
