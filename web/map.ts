/**
 * The map of the consortia (issue 14 item 5): the boundaries of platform/boundaries.ts, simplified with
 * @turf/simplify and projected with d3-geo into SVG path data, once per process (the shapes never change
 * while it runs); each request only chooses the colours. Drawn on the server, so it needs no JavaScript.
 */
import bbox from '@turf/bbox';
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
  /** A larger drawing of a crowded part (London's 32 consortia are a few pixels each on the whole map). */
  inset: MapInset | null;
}

export interface MapInset {
  title: string;
  /** Where the inset sits on the map, and the frame drawn round it. */
  frame: { x: number; y: number; width: number; height: number };
  /** Where the inset's part of the country is on the main map. */
  marker: { x: number; y: number; width: number; height: number };
  areas: MapArea[];
}

/** The part drawn larger, and where: its name, its box (west, south, east, north) and the frame's corner and size. */
export interface InsetSpec {
  title: string;
  box: [number, number, number, number];
  frame: { x: number; y: number; width: number; height: number };
}

/** The map's width in SVG pixels; the height follows from England's shape. */
export const MAP_WIDTH = 640;
/**
 * Douglas-Peucker tolerance in degrees: 0.004° is about 0.45 km north-south, under half a pixel of a
 * 640-pixel-wide England, and keeps the page well under 1 MB (the README gives the measured size).
 * The inset is drawn about four times larger, so a quarter of it.
 */
export const SIMPLIFY_DEGREES = 0.004;
const INSET_SIMPLIFY_DEGREES = 0.001;
const PADDING = 8;
/** Greater London (every London consortium lies inside this box), drawn in the sea west of Cumbria. */
export const LONDON_INSET: InsetSpec = {
  title: 'London',
  box: [-0.52, 51.28, 0.34, 51.7],
  frame: { x: 8, y: 8, width: 220, height: 200 },
};

type Shape = Feature<Polygon | MultiPolygon, { code: string; name: string }>;

/** Simplified (turf), and rewound clockwise as d3-geo's spherical polygons want. */
const shapesOf = (source: readonly Boundary[], tolerance: number): Shape[] =>
  source.map(
    (b) =>
      // rewind is typed to return any GeoJSON; given a Feature it returns that Feature rewound.
      rewind(simplify(feature(b.geometry, { code: b.code, name: b.name }), { tolerance, highQuality: true }), {
        reverse: true,
        mutate: true,
      }) as Shape,
  );

const inside = (b: Boundary, [west, south, east, north]: InsetSpec['box']) => {
  const [w, s, e, n] = bbox(b.geometry);
  return w >= west && s >= south && e <= east && n <= north;
};

/** A transverse Mercator on 2°W (the British National Grid's meridian). */
const nationalGrid = () => geoTransverseMercator().rotate([2, -49]);

/**
 * Shapes in pixels: projected fitted to the width and written with one decimal place; with an inset,
 * the boundaries wholly inside its box drawn again, larger, in its frame.
 */
export function projectBoundaries(
  source: readonly Boundary[],
  width = MAP_WIDTH,
  insetSpec: InsetSpec | null = null,
): MapGeometry {
  const shapes = shapesOf(source, SIMPLIFY_DEGREES);
  const collection = featureCollection(shapes);
  const projection = nationalGrid().fitWidth(width - 2 * PADDING, collection);
  const path = geoPath(projection).digits(1);
  const [[, top], [, bottom]] = path.bounds(collection);
  projection.translate([projection.translate()[0] + PADDING, projection.translate()[1] + PADDING - top]);
  const toArea = (draw: typeof path) => (shape: Shape) => ({
    code: shape.properties.code,
    name: shape.properties.name,
    d: draw(shape) ?? '',
  });

  let inset: MapInset | null = null;
  const insetSource = insetSpec ? source.filter((b) => inside(b, insetSpec.box)) : [];
  if (insetSpec && insetSource.length) {
    const { frame } = insetSpec;
    const insetShapes = shapesOf(insetSource, INSET_SIMPLIFY_DEGREES);
    const title = 24;
    const insetProjection = nationalGrid().fitExtent(
      [
        [frame.x + PADDING, frame.y + title],
        [frame.x + frame.width - PADDING, frame.y + frame.height - PADDING],
      ],
      featureCollection(insetShapes),
    );
    const [west, south, east, north] = insetSpec.box;
    const [x0 = 0, y0 = 0] = projection([west, north]) ?? [];
    const [x1 = 0, y1 = 0] = projection([east, south]) ?? [];
    inset = {
      title: insetSpec.title,
      frame,
      marker: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
      areas: insetShapes.map(toArea(geoPath(insetProjection).digits(1))),
    };
  }
  return {
    width,
    height: Math.ceil(bottom - top + 2 * PADDING),
    areas: shapes.map(toArea(path)),
    inset,
  };
}

let cached: MapGeometry | null = null;

/** The map of the 2013 boundaries, worked out on first use and kept for the life of the process. */
export function consortiumMap(): MapGeometry {
  cached ??= projectBoundaries(boundaries(), MAP_WIDTH, LONDON_INSET);
  return cached;
}
