/**
 * The §4.4 coverage check on small hand-made shapes near the equator, where one degree is about
 * 111.32 km each way, so every expected area is worked out from the squares' sides here.
 * And the KML reader on a two-Placemark document in the 2013 file's own shape.
 */
import area from '@turf/area';
import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { checkCoverage, type Boundary } from '../../domain/boundaryCoverage';
import { parseBoundaries } from '../../platform/boundaries';

/** A square of `side` degrees with its south-west corner at (x, y), as a GeoJSON polygon. */
const square = (x: number, y: number, side: number): Polygon => ({
  type: 'Polygon',
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
const boundary = (code: string, geometry: Polygon): Boundary => ({ code, name: `NHS ${code}`, geometry });
/** turf's geodesic area of a square, km²: the expected figure for a shape of that size at that place. */
const km2 = (x: number, y: number, side: number) => area(square(x, y, side)) / 1e6;

describe('checkCoverage (§4.4: boundaries interlock and cover the country)', () => {
  it('When two squares overlap by a quarter of their area, then that one pair is an overlap of that area and there is no gap', () => {
    const report = checkCoverage([boundary('AAA', square(0, 0, 0.1)), boundary('BBB', square(0.05, 0.05, 0.1))]);
    expect(report.overlaps).toHaveLength(1);
    expect(report.overlaps[0]?.a).toEqual({ code: 'AAA', name: 'NHS AAA' });
    expect(report.overlaps[0]?.b).toEqual({ code: 'BBB', name: 'NHS BBB' });
    // 0.05° × 0.05° ≈ 5.566 km × 5.566 km ≈ 31 km²
    expect(report.overlaps[0]?.areaKm2).toBeCloseTo(km2(0.05, 0.05, 0.05), 3);
    expect(report.overlaps[0]?.areaKm2).toBeGreaterThan(30.9);
    expect(report.overlaps[0]?.areaKm2).toBeLessThan(31.1);
    expect(report.doubleCountedKm2).toBeCloseTo(report.overlaps[0]?.areaKm2 ?? 0, 3);
    expect(report.gaps).toEqual([]);
    expect(report.outlineParts).toBe(1);
  });

  it('When eight squares ring an empty ninth, then the middle one is the one gap, bordered by all eight', () => {
    const ring = [
      [0, 0],
      [1, 0],
      [2, 0],
      [0, 1],
      [2, 1],
      [0, 2],
      [1, 2],
      [2, 2],
    ].map(([i = 0, j = 0], index) => boundary(`R0${index}`, square(i * 0.1, j * 0.1, 0.1)));
    const report = checkCoverage(ring);
    expect(report.overlaps).toEqual([]);
    expect(report.gaps).toHaveLength(1);
    const [gap] = report.gaps;
    expect(gap?.areaKm2).toBeCloseTo(km2(0.1, 0.1, 0.1), 3);
    expect(gap?.areaKm2).toBeGreaterThan(123);
    expect(gap?.areaKm2).toBeLessThan(124.5);
    expect(gap?.near[0]).toBeCloseTo(0.15, 6);
    expect(gap?.near[1]).toBeCloseTo(0.15, 6);
    expect(gap?.borderedBy.map((b) => b.code).sort()).toEqual(ring.map((b) => b.code).sort());
    expect(report.outlineKm2).toBeCloseTo(km2(0, 0, 0.3) - km2(0.1, 0.1, 0.1), 1);
  });

  it('When squares only touch along an edge or at a corner, then there is neither overlap nor gap', () => {
    const report = checkCoverage([
      boundary('AAA', square(0, 0, 0.1)),
      boundary('BBB', square(0.1, 0, 0.1)),
      boundary('CCC', square(0.2, 0.1, 0.1)),
    ]);
    expect(report.overlaps).toEqual([]);
    expect(report.gaps).toEqual([]);
    expect(report.doubleCountedKm2).toBeLessThan(1e-6);
    // meeting at a corner only, CCC is a piece of the outline of its own
    expect(report.outlineParts).toBe(2);
    expect(report.totalKm2).toBeCloseTo(report.outlineKm2, 6);
  });

  it('When an overlap or a hole is no larger than the tolerance, then it is counted as within it, not listed', () => {
    // 0.0005° × 0.1° ≈ 0.056 km × 11.1 km ≈ 0.62 km² shared by BBB and CCC; 0.05° × 0.1° ≈ 62 km² by AAA and BBB
    const shapes = [
      boundary('AAA', square(0, 0, 0.1)),
      boundary('BBB', square(0.05, 0, 0.1)),
      boundary('CCC', square(0.1495, 0, 0.1)),
    ];
    const report = checkCoverage(shapes, { overlapKm2: 1, gapKm2: 1 });
    expect(report.overlaps.map((o) => [o.a.code, o.b.code])).toEqual([['AAA', 'BBB']]);
    // the 0.05° × 0.1° strip x 0.05–0.1: two 0.05° squares stacked
    expect(report.overlaps[0]?.areaKm2).toBeCloseTo(km2(0.05, 0, 0.05) + km2(0.05, 0.05, 0.05), 3);
    expect(report.overlapsWithinTolerance).toBe(1);
    const listed = checkCoverage(shapes, { overlapKm2: 0.5, gapKm2: 0.5 });
    expect(listed.overlaps.map((o) => [o.a.code, o.b.code])).toEqual([
      ['AAA', 'BBB'],
      ['BBB', 'CCC'],
    ]);
    expect(listed.overlaps[1]?.areaKm2).toBeGreaterThan(0.6);
    expect(listed.overlaps[1]?.areaKm2).toBeLessThan(0.64);
    // When nothing is counted twice beyond the tolerance, no pair can exceed it, and none is compared.
    const alone = checkCoverage(shapes.slice(1), { overlapKm2: 1, gapKm2: 1 });
    expect(alone.overlaps).toEqual([]);
    expect(alone.pairsCompared).toBe(0);
    expect(alone.doubleCountedKm2).toBeGreaterThan(0.6);
    const asked = checkCoverage(shapes.slice(1), { overlapKm2: 1, gapKm2: 1 }, { allPairs: true });
    expect(asked.pairsCompared).toBe(1);
    expect(asked.overlapsWithinTolerance).toBe(1);

    const tiny = 0.0005;
    // A square with a tiny square hole, the hole left empty by every other boundary.
    const holed: Polygon = {
      type: 'Polygon',
      coordinates: [square(0, 0, 0.1).coordinates[0]!, [...square(0.05, 0.05, tiny).coordinates[0]!].reverse()],
    };
    const small = checkCoverage([boundary('HOL', holed)]);
    expect(small.gaps).toEqual([]);
    expect(small.gapsWithinTolerance).toBe(1);
    const strict = checkCoverage([boundary('HOL', holed)], { overlapKm2: 0.0001, gapKm2: 0.0001 });
    expect(strict.gaps).toHaveLength(1);
    expect(strict.gaps[0]?.borderedBy.map((b) => b.code)).toEqual(['HOL']);
  });
});

describe('parseBoundaries (the 2013 KML)', () => {
  const placemark = (code: string, name: string, geometry: string) =>
    `<Placemark><name><![CDATA[${code}]]></name><description><![CDATA[<br><br><br>
    <table border="1" padding="0">
    <tr><td>CCGcode</td><td>${code}</td></tr>
    <tr><td>CCGname</td><td>${name}</td></tr>
        ]]></description>${geometry}</Placemark>`;
  const polygonKml = (coordinates: string) =>
    `<Polygon><outerBoundaryIs><LinearRing><coordinates>${coordinates}</coordinates></LinearRing></outerBoundaryIs></Polygon>`;
  const document = (body: string) =>
    `\uFEFF<?xml version="1.0" encoding="utf-8"?><kml xmlns="http://earth.google.com/kml/2.1"><Folder>${body}</Folder></kml>`;

  it('When a Placemark is a Polygon and another a MultiGeometry, then they are a Polygon and a MultiPolygon with the names of the table', () => {
    const parsed = parseBoundaries(
      document(
        placemark('00C', 'NHS Darlington CCG', polygonKml('0,0,0 1,0,0 1,1,0 0,0,0')) +
          placemark(
            '99Q',
            'NHS South Devon and Torbay CCG',
            `<MultiGeometry>${polygonKml('0,0,0 1,0,0 1,1,0 0,0,0')}${polygonKml('2,2,0 3,2,0 3,3,0 2,2,0')}</MultiGeometry>`,
          ),
      ),
    );
    expect(parsed.map((b) => [b.code, b.name, b.geometry.type])).toEqual([
      ['00C', 'NHS Darlington CCG', 'Polygon'],
      ['99Q', 'NHS South Devon and Torbay CCG', 'MultiPolygon'],
    ]);
    expect(parsed[1]?.geometry.coordinates).toHaveLength(2);
    expect(parsed[0]?.geometry.coordinates).toEqual([
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
    ]);
  });

  it('When a code appears twice or a Placemark is a point, then the file is refused, naming the code', () => {
    const ring = polygonKml('0,0,0 1,0,0 1,1,0 0,0,0');
    expect(() => parseBoundaries(document(placemark('00C', 'A', ring) + placemark('00C', 'B', ring)))).toThrow(
      /00C appears twice/,
    );
    expect(() =>
      parseBoundaries(document(placemark('00D', 'A', '<Point><coordinates>0,0,0</coordinates></Point>'))),
    ).toThrow(/00D: a Point is not an area/);
  });
});
