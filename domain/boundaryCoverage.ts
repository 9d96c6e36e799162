/**
 * The §4.4 coverage check: consortium boundaries "must interlock so that together they cover the whole
 * country". From the boundary polygons alone it finds
 * - overlaps: two consortia whose areas share more than a tolerance (an area would have two consortia);
 * - gaps: holes inside the outline that all the boundaries make together (an area with no consortium).
 * England's outline is the union of every boundary, so an inlet open to the sea is outline, not a gap.
 * Pure (turf's geodesic area and polyclip's boolean operations); no I/O.
 */
import area from '@turf/area';
import bbox from '@turf/bbox';
import booleanIntersects from '@turf/boolean-intersects';
import { featureCollection, feature, polygon } from '@turf/helpers';
import intersect from '@turf/intersect';
import union from '@turf/union';
import type { BBox, Feature, MultiPolygon, Polygon, Position } from 'geojson';

/** One consortium's boundary (WGS84 longitude/latitude). */
export interface Boundary {
  code: string;
  name: string;
  geometry: Polygon | MultiPolygon;
}

export interface CoverageTolerances {
  /** An overlap of two boundaries at or under this many km² is drawing noise, not a second consortium. */
  overlapKm2: number;
  /** A hole at or under this many km² is a sliver of digitising, not an area left out. */
  gapKm2: number;
}

/** One hectare (0.01 km²) each: well under any street block, well over the rounding of the coordinates. */
export const DEFAULT_TOLERANCES: CoverageTolerances = { overlapKm2: 0.01, gapKm2: 0.01 };

export interface Overlap {
  a: { code: string; name: string };
  b: { code: string; name: string };
  areaKm2: number;
}

export interface Gap {
  areaKm2: number;
  /** The middle of the gap's bounding box, [longitude, latitude], to find it on a map. */
  near: [number, number];
  /** The consortia whose boundaries touch the gap. */
  borderedBy: { code: string; name: string }[];
}

export interface CoverageReport {
  boundaries: number;
  tolerances: CoverageTolerances;
  /** The area of all boundaries added up, km². */
  totalKm2: number;
  /** The area of their union, England's outline, km². */
  outlineKm2: number;
  /** Separate pieces of the outline: the mainland and each island. */
  outlineParts: number;
  /** Area counted more than once (total − outline), km²: every overlap is at most this. */
  doubleCountedKm2: number;
  /** Pairs whose bounding boxes meet, so that their overlap was worked out (0 when nothing is double counted, unless `allPairs`). */
  pairsCompared: number;
  overlaps: Overlap[];
  /** Overlaps at or under the tolerance (counted only when pairs were compared). */
  overlapsWithinTolerance: number;
  gaps: Gap[];
  /** Holes at or under the tolerance. */
  gapsWithinTolerance: number;
}

const KM2 = 1_000_000;
const areaKm2 = (geometry: Polygon | MultiPolygon | Feature<Polygon | MultiPolygon>) => area(geometry) / KM2;
const boxesMeet = (a: BBox, b: BBox) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
const polygonsOf = (geometry: Polygon | MultiPolygon): Position[][][] =>
  geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
const largestFirst = <T extends { areaKm2: number }>(a: T, b: T) => b.areaKm2 - a.areaKm2;

/** Runs the §4.4 check over every boundary. */
export function checkCoverage(
  boundaries: readonly Boundary[],
  tolerances: CoverageTolerances = DEFAULT_TOLERANCES,
  options: { allPairs?: boolean } = {},
): CoverageReport {
  const features = boundaries.map((b) => feature(b.geometry, { code: b.code }));
  const boxes = features.map((f) => bbox(f));
  const who = (index: number) => ({ code: boundaries[index]?.code ?? '', name: boundaries[index]?.name ?? '' });

  const totalKm2 = features.reduce((sum, f) => sum + areaKm2(f), 0);
  // turf's union wants two or more; one boundary is its own outline.
  const outline = features.length > 1 ? union(featureCollection(features)) : (features[0] ?? null);
  const outlineKm2 = outline ? areaKm2(outline) : 0;
  const doubleCountedKm2 = Math.max(0, totalKm2 - outlineKm2);

  // Every point inside two boundaries is counted twice in the total, so no pair can overlap by more than
  // the area double counted: when that is within the tolerance, no pair needs comparing (unless asked).
  const overlaps: Overlap[] = [];
  let overlapsWithinTolerance = 0;
  let pairsCompared = 0;
  if (options.allPairs || doubleCountedKm2 > tolerances.overlapKm2) {
    for (let i = 0; i < features.length; i++) {
      for (let j = i + 1; j < features.length; j++) {
        if (!boxesMeet(boxes[i]!, boxes[j]!)) continue;
        pairsCompared++;
        const shared = intersect(featureCollection([features[i]!, features[j]!]));
        if (!shared) continue;
        const sharedKm2 = areaKm2(shared);
        if (sharedKm2 > tolerances.overlapKm2) overlaps.push({ a: who(i), b: who(j), areaKm2: sharedKm2 });
        else if (sharedKm2 > 0) overlapsWithinTolerance++;
      }
    }
  }

  const gaps: Gap[] = [];
  let gapsWithinTolerance = 0;
  const outlinePolygons = outline ? polygonsOf(outline.geometry) : [];
  for (const [, ...holes] of outlinePolygons) {
    for (const ring of holes) {
      const hole = polygon([ring]);
      const holeKm2 = areaKm2(hole);
      if (holeKm2 <= tolerances.gapKm2) {
        gapsWithinTolerance++;
        continue;
      }
      const box = bbox(hole);
      gaps.push({
        areaKm2: holeKm2,
        near: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2],
        borderedBy: features.flatMap((f, index) =>
          boxesMeet(boxes[index]!, box) && booleanIntersects(f, hole) ? [who(index)] : [],
        ),
      });
    }
  }

  return {
    boundaries: boundaries.length,
    tolerances,
    totalKm2,
    outlineKm2,
    outlineParts: outlinePolygons.length,
    doubleCountedKm2,
    pairsCompared,
    overlaps: overlaps.sort(largestFirst),
    overlapsWithinTolerance,
    gaps: gaps.sort(largestFirst),
    gapsWithinTolerance,
  };
}
