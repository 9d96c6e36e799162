/**
 * A funnel plot drawn on the server as SVG (Process 7; KF Q6: performance published): every
 * consortium's value against its precision (denominator or expected events), the target, the 95% and
 * 99.8% control limits (domain/benchmarks.ts, after Spiegelhalter 2005), and one consortium marked.
 *
 * No script and no inline style (the pages' CSP forbids both): presentation attributes only. The plot
 * is an image with a title and a description that says in words what it shows.
 */
import { xml as escapeXml } from '../api/routes/allocations';
import type { Funnel, FunnelZone } from '../domain/benchmarks';

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { top: 20, right: 20, bottom: 50, left: 70 };

export const ZONE_WORDS: Record<FunnelZone, string> = {
  within: 'within the 95% limits',
  alert_high: 'above the 95% limit (alert)',
  alert_low: 'below the 95% limit (alert)',
  alarm_high: 'above the 99.8% limit (alarm)',
  alarm_low: 'below the 99.8% limit (alarm)',
};

/** Round numbers for an axis: about `count` ticks between low and high. */
function ticks(low: number, high: number, count: number): number[] {
  const span = high - low || Math.abs(high) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (value: number) =>
  Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-GB') : Number(value.toPrecision(3)).toString();

export interface FunnelPlotOptions {
  /** For the title and description, e.g. the indicator's name. */
  title: string;
  /** The marked consortium. */
  highlight: { code: string; name: string };
  /** The y axis's words, e.g. `% of patients` or `ratio of observed to expected`. */
  yLabel: string;
  /** The x axis's words, e.g. `patients (denominator)`. */
  xLabel: string;
  /** Multiplies a proportion for the y axis (100 for a percentage); 1 for a ratio. */
  scale: number;
  /** A unique id prefix for the title and description elements. */
  id: string;
}

export function funnelPlotSvg(funnel: Funnel, options: FunnelPlotOptions): string {
  const { scale } = options;
  const xs = funnel.points.map((p) => p.precision);
  const ys = [
    ...funnel.points.map((p) => p.value * scale),
    ...funnel.curve.flatMap((c) => [c.lower998 * scale, c.upper998 * scale]),
  ];
  const [xLow, xHigh] = [0, Math.max(...xs) * 1.05];
  const yPad = (Math.max(...ys) - Math.min(...ys)) * 0.05 || 1;
  const [yLow, yHigh] = [Math.max(0, Math.min(...ys) - yPad), Math.max(...ys) + yPad];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + ((v - xLow) / (xHigh - xLow)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((v - yLow) / (yHigh - yLow)) * plotH;
  const path = (of: (c: Funnel['curve'][number]) => number) =>
    funnel.curve
      .map(
        (c, i) =>
          `${i === 0 ? 'M' : 'L'}${x(c.precision).toFixed(1)},${y(Math.min(yHigh, Math.max(yLow, of(c) * scale))).toFixed(1)}`,
      )
      .join(' ');
  const marked = funnel.points.find((p) => p.code === options.highlight.code);
  const titleId = `${options.id}-title`;
  const descId = `${options.id}-desc`;
  const description = marked
    ? `${options.highlight.name} (${options.highlight.code}): ${label(marked.value * scale)} ${options.yLabel}, ` +
      `${ZONE_WORDS[marked.zone]}. ${funnel.points.length} consortia; the target (national figure) is ` +
      `${label(funnel.target * scale)}.`
    : `${funnel.points.length} consortia; the target is ${label(funnel.target * scale)}.`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" ` +
      `aria-labelledby="${titleId} ${descId}" class="app-funnel">`,
    `<title id="${titleId}">Funnel plot: ${escapeXml(options.title)}</title>`,
    `<desc id="${descId}">${escapeXml(description)}</desc>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="#ffffff" stroke="#b1b4b6"/>`,
  ];
  for (const t of ticks(yLow, yHigh, 5)) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#f3f2f1"/>`,
      `<text x="${MARGIN.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#0b0c0c">${label(t)}</text>`,
    );
  }
  for (const t of ticks(xLow, xHigh, 5))
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle" font-size="12" fill="#0b0c0c">${label(t)}</text>`,
    );
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="13" fill="#0b0c0c">${escapeXml(options.xLabel)}</text>`,
    `<text x="16" y="${MARGIN.top + plotH / 2}" text-anchor="middle" font-size="13" fill="#0b0c0c" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">${escapeXml(options.yLabel)}</text>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(funnel.target * scale).toFixed(1)}" y2="${y(funnel.target * scale).toFixed(1)}" stroke="#0b0c0c" stroke-width="1.5"/>`,
    `<path d="${path((c) => c.upper95)}" fill="none" stroke="#f47738" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<path d="${path((c) => c.lower95)}" fill="none" stroke="#f47738" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<path d="${path((c) => c.upper998)}" fill="none" stroke="#d4351c" stroke-width="1.5"/>`,
    `<path d="${path((c) => c.lower998)}" fill="none" stroke="#d4351c" stroke-width="1.5"/>`,
  );
  for (const p of funnel.points)
    if (p.code !== options.highlight.code)
      parts.push(
        `<circle cx="${x(p.precision).toFixed(1)}" cy="${y(p.value * scale).toFixed(1)}" r="3" fill="#505a5f" fill-opacity="0.55"/>`,
      );
  if (marked) {
    const cx = x(marked.precision);
    const cy = y(marked.value * scale);
    const anchor = cx > MARGIN.left + plotW * 0.7 ? 'end' : 'start';
    parts.push(
      `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="7" fill="#1d70b8" stroke="#0b0c0c" stroke-width="2"/>`,
      `<text x="${(cx + (anchor === 'end' ? -12 : 12)).toFixed(1)}" y="${(cy - 10).toFixed(1)}" text-anchor="${anchor}" font-size="14" font-weight="bold" fill="#0b0c0c">${escapeXml(options.highlight.code)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
