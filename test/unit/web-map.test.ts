/** The public map's pieces: the shading of each consortium with its legend, and the projection of small shapes. */
import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { SEEDED_POLICY } from '../../domain/policySeed';
import { projectBoundaries } from '../../web/map';
import { NO_FIGURE, shadeConsortia, type MapConsortium } from '../../web/mapShading';

const consortium = (code: string, fields: Partial<MapConsortium> = {}): MapConsortium => ({
  code,
  name: `NHS ${code}`,
  status: 'authorised',
  population: 200_000,
  allocationPerHeadPence: 100_000n,
  ...fields,
});
const policy = SEEDED_POLICY.general;

describe('shadeConsortia', () => {
  it('When shaded by status, then each status present is one legend entry with its count, and one not on the register is grey', () => {
    const shaded = shadeConsortia(
      'status',
      [
        consortium('A01'),
        consortium('A02', { status: 'authorised_with_conditions' }),
        consortium('A03', { status: 'authorised_with_conditions' }),
        consortium('A04', { status: null }),
      ],
      policy,
    );
    expect(shaded.legend.map((e) => [e.label, e.count])).toEqual([
      ['Authorised', 1],
      ['Authorised with conditions', 2],
      ['Not on the register', 1],
    ]);
    expect(shaded.of('A02')).toEqual({ colour: shaded.legend[1]?.colour, value: 'Authorised with conditions' });
    expect(shaded.of('A04')).toEqual({ colour: NO_FIGURE, value: 'Not on the register' });
    expect(new Set(shaded.legend.map((e) => e.colour)).size).toBe(3);
  });

  it("When shaded by population, then the policy's thresholds split full risk, pooled risk and too small (KF Q12)", () => {
    const full = policy.fullRiskPopulationThreshold;
    const limited = policy.limitedScopePopulationThreshold;
    const shaded = shadeConsortia(
      'population',
      [
        consortium('P01', { population: full }),
        consortium('P02', { population: full - 1 }),
        consortium('P03', { population: limited }),
        consortium('P04', { population: limited - 1 }),
        consortium('P05', { population: 0 }),
      ],
      policy,
    );
    expect(shaded.legend.map((e) => e.count)).toEqual([1, 2, 1, 1]);
    expect(shaded.legend[0]?.label).toBe(`${full.toLocaleString('en-GB')} or more: can bear full financial risk`);
    expect(shaded.legend[2]?.label).toContain(`Under ${limited.toLocaleString('en-GB')}`);
    expect(shaded.of('P02').colour).toBe(shaded.of('P03').colour);
    expect(shaded.of('P02').value).toBe(`${(full - 1).toLocaleString('en-GB')} registered patients`);
    expect(shaded.of('P05').colour).toBe(NO_FIGURE);
  });

  it('When shaded by allocation per head, then the consortia fall in fifths with whole-pound boundaries, in £', () => {
    // £900.50, £1,000.50 … £1,900.50 per head: ten consortia, two in each fifth
    const consortia = Array.from({ length: 10 }, (_, i) =>
      consortium(`M0${i}`, { allocationPerHeadPence: BigInt(90_050 + i * 10_000) }),
    );
    const shaded = shadeConsortia(
      'allocation',
      [...consortia, consortium('M10', { allocationPerHeadPence: null })],
      policy,
    );
    expect(shaded.legend.map((e) => [e.label, e.count])).toEqual([
      ['Under £1,100 per head', 2],
      ['£1,100 to under £1,300 per head', 2],
      ['£1,300 to under £1,500 per head', 2],
      ['£1,500 to under £1,700 per head', 2],
      ['£1,700 or more per head', 2],
      ['No announced allocation', 1],
    ]);
    expect(shaded.of('M00').value).toBe('£900.50 per head');
    expect(shaded.of('M09').colour).not.toBe(shaded.of('M00').colour);
    expect(shaded.of('M10').colour).toBe(NO_FIGURE);
  });

  it('When every consortium has the same allocation per head, then there is one class', () => {
    const shaded = shadeConsortia('allocation', [consortium('S01'), consortium('S02')], policy);
    expect(shaded.legend.map((e) => [e.label, e.count])).toEqual([['Any amount', 2]]);
  });
});

describe('projectBoundaries', () => {
  const square = (x: number, y: number, side: number): Polygon => ({
    type: 'Polygon',
    // anticlockwise, as RFC 7946 has it: the projection must still draw the square, not the rest of the globe
    coordinates: [
      [
        [x, y],
        [x + side, y],
        [x + side, y + side],
        [x, y + side],
        [x, y],
      ],
    ],
  });

  it('When two neighbouring squares are projected, then they fill the width side by side, each one closed path', () => {
    const map = projectBoundaries(
      [
        { code: 'W01', name: 'NHS West', geometry: square(-2, 52, 1) },
        { code: 'E01', name: 'NHS East', geometry: square(-1, 52, 1) },
      ],
      200,
    );
    expect(map.width).toBe(200);
    expect(map.areas.map((a) => a.code)).toEqual(['W01', 'E01']);
    const xs = (d: string) => [...d.matchAll(/(-?\d+(?:\.\d)?),(-?\d+(?:\.\d)?)/g)].map((m) => Number(m[1]));
    const [west, east] = map.areas.map((a) => xs(a.d));
    // inside the padding, the west square to the left of the east one; the height is about one square
    expect(Math.min(...(west ?? []))).toBeCloseTo(8, 0);
    expect(Math.max(...(east ?? []))).toBeCloseTo(192, 0);
    // they share an edge (a meridian, slightly curved in a transverse Mercator), so they meet mid-way
    expect(Math.max(...(west ?? []))).toBeCloseTo(Math.max(...(east ?? [])) / 2 + 4, -0.5);
    expect(Math.max(...(west ?? []))).toBeGreaterThan(Math.min(...(east ?? [])) - 2);
    expect(map.height).toBeGreaterThan(100);
    expect(map.height).toBeLessThan(200);
    for (const area of map.areas) expect(area.d).toMatch(/^M[^M]*Z$/);
  });

  it('When an inset is asked for, then only the shapes wholly inside its box are drawn again, within its frame', () => {
    const map = projectBoundaries(
      [
        { code: 'BIG', name: 'NHS Big', geometry: square(-3, 50, 3) },
        { code: 'IN1', name: 'NHS Inside', geometry: square(-0.2, 51.4, 0.1) },
      ],
      300,
      { title: 'Middle', box: [-0.5, 51.3, 0.3, 51.7], frame: { x: 10, y: 10, width: 100, height: 90 } },
    );
    expect(map.areas.map((a) => a.code)).toEqual(['BIG', 'IN1']);
    expect(map.inset?.title).toBe('Middle');
    expect(map.inset?.areas.map((a) => a.code)).toEqual(['IN1']);
    const points = [...(map.inset?.areas[0]?.d ?? '').matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(points.length).toBeGreaterThan(3);
    for (const [x = 0, y = 0] of points) {
      expect(x).toBeGreaterThanOrEqual(10);
      expect(x).toBeLessThanOrEqual(110);
      expect(y).toBeGreaterThanOrEqual(10);
      expect(y).toBeLessThanOrEqual(100);
    }
    // the marker on the main map is the box, a small part of the big square
    expect(map.inset?.marker.width).toBeGreaterThan(0);
    expect(map.inset?.marker.width).toBeLessThan(300 / 3);
  });

  it('When no shape lies inside the inset box, then there is no inset', () => {
    const map = projectBoundaries([{ code: 'BIG', name: 'NHS Big', geometry: square(-3, 50, 3) }], 300, {
      title: 'Nowhere',
      box: [10, 10, 11, 11],
      frame: { x: 0, y: 0, width: 10, height: 10 },
    });
    expect(map.inset).toBeNull();
  });
});
