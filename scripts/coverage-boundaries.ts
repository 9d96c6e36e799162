/**
 * `npm run coverage:boundaries [-- file.kml] [--json] [--all-pairs]`: the §4.4 check on the consortium
 * boundaries (the February 2013 KML by default): pairs that overlap and gaps inside England's outline,
 * each above a hectare (domain/boundaryCoverage.ts). `--all-pairs` intersects every neighbouring pair
 * even when nothing is counted twice. Exits 1 when it finds either, so it can gate a data change.
 */
import path from 'node:path';
import { checkCoverage, DEFAULT_TOLERANCES, type CoverageReport } from '../domain/boundaryCoverage';
import { BOUNDARIES_FILE, boundaries } from '../platform/boundaries';

const km2 = (value: number) => `${value.toLocaleString('en-GB', { maximumFractionDigits: 3 })} km²`;
const LISTED = 20;

export function describeCoverage(report: CoverageReport, source: string): string {
  const lines = [
    `§4.4 coverage check of ${report.boundaries} consortium boundaries (${source})`,
    `  tolerance: overlaps over ${km2(report.tolerances.overlapKm2)}, gaps over ${km2(report.tolerances.gapKm2)}`,
    `  area of all boundaries added up: ${km2(report.totalKm2)}`,
    `  England's outline (their union): ${km2(report.outlineKm2)} in ${report.outlineParts} separate pieces (mainland and islands)`,
    `  counted twice (added up − outline): ${km2(report.doubleCountedKm2)}` +
      (report.pairsCompared
        ? `; ${report.pairsCompared} neighbouring pairs compared`
        : ': no pair can overlap by more than that, so none needed comparing'),
    report.pairsCompared
      ? `  overlaps: ${report.overlaps.length} over the tolerance, ${report.overlapsWithinTolerance} within it`
      : '  overlaps: none (nothing is counted twice)',
    ...report.overlaps
      .slice(0, LISTED)
      .map((o) => `    ${km2(o.areaKm2)}  ${o.a.name} (${o.a.code}) and ${o.b.name} (${o.b.code})`),
    `  gaps inside the outline: ${report.gaps.length} over the tolerance, ${report.gapsWithinTolerance} within it`,
    ...report.gaps
      .slice(0, LISTED)
      .map(
        (g) =>
          `    ${km2(g.areaKm2)}  near ${g.near[1].toFixed(4)}°N ${g.near[0].toFixed(4)}°E, between ` +
          (g.borderedBy.map((b) => `${b.name} (${b.code})`).join(', ') || 'no consortium'),
      ),
  ];
  if (report.overlaps.length > LISTED || report.gaps.length > LISTED) lines.push(`  (the largest ${LISTED} of each)`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const args = process.argv.slice(2);
  const file = path.resolve(args.find((arg) => !arg.startsWith('--')) ?? BOUNDARIES_FILE);
  const started = performance.now();
  process.stderr.write(`[coverage] reading ${file}\n`);
  const shapes = boundaries(file);
  process.stderr.write(
    `[coverage] ${shapes.length} boundaries read; comparing them (about 10 s on 2 cores, 30 s with --all-pairs)\n`,
  );
  const report = checkCoverage(shapes, DEFAULT_TOLERANCES, { allPairs: args.includes('--all-pairs') });
  process.stderr.write(`[coverage] done in ${Math.round(performance.now() - started)} ms\n`);
  process.stdout.write(
    args.includes('--json')
      ? `${JSON.stringify(report, null, 2)}\n`
      : `${describeCoverage(report, path.basename(file))}\n`,
  );
  process.exitCode = report.overlaps.length || report.gaps.length ? 1 : 0;
}
