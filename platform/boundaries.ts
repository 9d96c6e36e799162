/**
 * The consortium boundaries of February 2013 (`CCC_Feb2013.KML`: one Placemark per CCG code, WGS84
 * polygons, a CCG in several pieces as a MultiGeometry), read with @xmldom/xmldom and @tmcw/togeojson.
 * The file is read once per process and kept: the map (web/map.ts) and the §4.4 check
 * (domain/boundaryCoverage.ts, scripts/coverage-boundaries.ts) share it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { kml } from '@tmcw/togeojson';
import { DOMParser } from '@xmldom/xmldom';
import type { Geometry, MultiPolygon, Polygon, Position } from 'geojson';
import type { Boundary } from '../domain/boundaryCoverage';
import { sharedDir } from './paths';

export const BOUNDARIES_FILE = path.join(sharedDir, 'data', 'nhs-2013', 'CCC_Feb2013.KML');

/** The Placemark's description is a small HTML table; its `CCGname` row holds the name. */
const NAME_CELL = /CCGname<\/td>\s*<td>([^<]*)<\/td>/i;

/** Longitude and latitude only: the file gives every point an altitude of 0. */
const flat = (rings: Position[][]): Position[][] => rings.map((ring) => ring.map(([lon = 0, lat = 0]) => [lon, lat]));

/** The polygons of a Placemark's geometry: a Polygon as it is, a MultiGeometry of polygons as a MultiPolygon. */
function areaGeometry(code: string, geometry: Geometry | null): Polygon | MultiPolygon {
  if (geometry?.type === 'Polygon') return { type: 'Polygon', coordinates: flat(geometry.coordinates) };
  if (geometry?.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: geometry.coordinates.map(flat) };
  if (geometry?.type === 'GeometryCollection') {
    const polygons = geometry.geometries.flatMap((part) => {
      if (part.type === 'Polygon') return [flat(part.coordinates)];
      if (part.type === 'MultiPolygon') return part.coordinates.map(flat);
      throw new Error(`boundary ${code}: a ${part.type} is not an area`);
    });
    return { type: 'MultiPolygon', coordinates: polygons };
  }
  throw new Error(`boundary ${code}: ${geometry ? `a ${geometry.type} is not an area` : 'no geometry'}`);
}

/** The boundaries in a KML document, in the file's order. A Placemark with no code, or a code twice, is refused. */
export function parseBoundaries(kmlText: string): Boundary[] {
  const document = new DOMParser().parseFromString(kmlText.replace(/^\uFEFF/, ''), 'text/xml');
  const seen = new Set<string>();
  return kml(document).features.map((placemark, index) => {
    const code = String(placemark.properties?.name ?? '').trim();
    if (!code) throw new Error(`boundary ${index + 1} has no code (Placemark name)`);
    if (seen.has(code)) throw new Error(`boundary ${code} appears twice`);
    seen.add(code);
    const description = placemark.properties?.description as { value?: string } | string | undefined;
    const html = typeof description === 'string' ? description : (description?.value ?? '');
    const name = NAME_CELL.exec(html)?.[1]?.trim() || code;
    return { code, name, geometry: areaGeometry(code, placemark.geometry) };
  });
}

let cached: { file: string; boundaries: readonly Boundary[] } | null = null;

/** The boundaries of the file (the 2013 file unless another is named), read and parsed on first use only. */
export function boundaries(file: string = BOUNDARIES_FILE): readonly Boundary[] {
  if (cached?.file !== file) cached = { file, boundaries: parseBoundaries(fs.readFileSync(file, 'utf8')) };
  return cached.boundaries;
}
