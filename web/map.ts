/**
 * The map of the consortia (issue 14 item 5): the boundaries of platform/boundaries.ts, simplified with
 * @turf/simplify and projected with d3-geo into SVG path data, once per process (the shapes never change
 * while it runs); each request only chooses the colours. Drawn on the server, so it needs no JavaScript.
 */
import { featureCollection, feature } from '@turf/helpers';
import rewind from '@turf/rewind';
import simplify from '@turf/simplify';
import { geoPath, geoTransverseMercator } from 'd3-geo';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { Boundary } from '../domain/boundaryCoverage';
import { boundaries } from '../platform/boundaries';

export interface MapArea {
  code: string;
  /** The name in the boundary file, for a consortium the register does not hold. */
  name: string;
  /** SVG path data in the map's pixels. */
  d: string;
}

export interface MapGeometry {
  width: number;
  height: number;
  areas: MapArea[];
}

/** The map's width in SVG pixels; the height follows from England's shape. */
export const MAP_WIDTH = 640;
/**
 * Douglas-Peucker tolerance in degrees: 0.004° is about 0.45 km north-south, under half a pixel of a
 * 640-pixel-wide England, and keeps the page well under 1 MB (the README gives the measured size).
 */
export const SIMPLIFY_DEGREES = 0.004;
const PADDING = 8;

/**
 * Shapes in pixels: simplified (turf), rewound clockwise as d3-geo's spherical polygons want, projected
 * with a transverse Mercator on 2°W (the British National Grid's meridian) fitted to the width, and
 * written with one decimal place.
 */
export function projectBoundaries(source: readonly Boundary[], width = MAP_WIDTH): MapGeometry {
  type Shape = Feature<Polygon | MultiPolygon, { code: string; name: string }>;
  const shapes = source.map(
    (b) =>
      // rewind is typed to return any GeoJSON; given a Feature it returns that Feature rewound.
      rewind(
        simplify(feature(b.geometry, { code: b.code, name: b.name }), {
          tolerance: SIMPLIFY_DEGREES,
          highQuality: true,
        }),
        { reverse: true, mutate: true },
      ) as Shape,
  );
  const collection = featureCollection(shapes);
  const projection = geoTransverseMercator()
    .rotate([2, -49])
    .fitWidth(width - 2 * PADDING, collection);
  const path = geoPath(projection).digits(1);
  const [[, top], [, bottom]] = path.bounds(collection);
  projection.translate([projection.translate()[0] + PADDING, projection.translate()[1] + PADDING - top]);
  return {
    width,
    height: Math.ceil(bottom - top + 2 * PADDING),
    areas: shapes.map((shape) => ({
      code: shape.properties.code,
      name: shape.properties.name,
      d: path(shape) ?? '',
    })),
  };
}

let cached: MapGeometry | null = null;

/** The map of the 2013 boundaries, worked out on first use and kept for the life of the process. */
export function consortiumMap(): MapGeometry {
  cached ??= projectBoundaries(boundaries());
  return cached;
}
