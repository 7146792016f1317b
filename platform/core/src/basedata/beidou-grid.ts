/**
 * Beidou grid location codes (北斗网格位置码, GB/T 39409-2020), two-dimensional, levels 1–10.
 *
 * Level 1 is the 6° × 4° sheet of the 1:1,000,000 map (hemisphere letter, longitude zone 01–60, latitude row A–V);
 * each later level divides its parent cell: 12 × 8 (30′), 2 × 3 (15′ × 10′), 15 × 10 (1′), 15 × 15 (4″), 2 × 2 (2″),
 * then 8 × 8 four times (1/4″, 1/32″, 1/256″, 1/2048″ ≈ 1.5 cm). A level-10 code has 20 characters.
 *
 * All arithmetic is on integers in 1/2048 arc-second, the level-10 cell, so cell edges fall exactly where the standard
 * puts them and encoding is exact for any position a double holds. Shequ serves communities in Zhejiang: codes are
 * produced for the northern and eastern hemispheres (all of China) below the polar caps the standard treats apart
 * (|latitude| ≥ 88°); other positions are refused rather than given a code whose orientation we have not verified.
 */

const UNITS_PER_DEGREE = 3600 * 2048;

interface Level {
  /** Cell size in 1/2048″ (longitude, latitude). */
  lon: number;
  lat: number;
  /** How the parent divides into this level: columns × rows. */
  cols: number;
  rows: number;
  /** Characters this level adds to the code. */
  width: number;
}

const levels: Level[] = [
  { lon: 6 * UNITS_PER_DEGREE, lat: 4 * UNITS_PER_DEGREE, cols: 60, rows: 22, width: 3 },
  { lon: 1800 * 2048, lat: 1800 * 2048, cols: 12, rows: 8, width: 2 },
  { lon: 900 * 2048, lat: 600 * 2048, cols: 2, rows: 3, width: 1 },
  { lon: 60 * 2048, lat: 60 * 2048, cols: 15, rows: 10, width: 2 },
  { lon: 4 * 2048, lat: 4 * 2048, cols: 15, rows: 15, width: 2 },
  { lon: 2 * 2048, lat: 2 * 2048, cols: 2, rows: 2, width: 1 },
  { lon: 512, lat: 512, cols: 8, rows: 8, width: 2 },
  { lon: 64, lat: 64, cols: 8, rows: 8, width: 2 },
  { lon: 8, lat: 8, cols: 8, rows: 8, width: 2 },
  { lon: 1, lat: 1, cols: 8, rows: 8, width: 2 },
];

export const BEIDOU_MAX_LEVEL = levels.length;

/** The edge length of a cell at each level, in arc-seconds (longitude, latitude). */
export const beidouCellSeconds = levels.map((l) => ({ lon: l.lon / 2048, lat: l.lat / 2048 }));

export class BeidouGridError extends Error {}

function checkLevel(level: number) {
  if (!Number.isInteger(level) || level < 1 || level > BEIDOU_MAX_LEVEL) {
    throw new BeidouGridError(`level must be an integer from 1 to ${BEIDOU_MAX_LEVEL}`);
  }
}

/** The code of the cell at `level` (default 10) holding a WGS 84 position. */
export function beidouGridCode(lon: number, lat: number, level = BEIDOU_MAX_LEVEL): string {
  checkLevel(level);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < 0 || lon >= 180 || lat < 0 || lat >= 88) {
    throw new BeidouGridError(
      `(${lon}, ${lat}) is outside the northern-eastern hemisphere below 88°N that Shequ encodes (0 ≤ lon < 180, 0 ≤ lat < 88)`,
    );
  }
  const x = Math.floor(lon * UNITS_PER_DEGREE);
  const y = Math.floor(lat * UNITS_PER_DEGREE);
  let code = '';
  let x0 = 0;
  let y0 = 0;
  for (let i = 0; i < level; i++) {
    const l = levels[i];
    const col = Math.floor((x - x0) / l.lon);
    const row = Math.floor((y - y0) / l.lat);
    x0 += col * l.lon;
    y0 += row * l.lat;
    if (i === 0) {
      // Zones count from 180°W: the zone east of Greenwich is 31.
      code += `N${String(col + 31).padStart(2, '0')}${String.fromCharCode(65 + row)}`;
    } else if (l.width === 1) {
      // The 2 × 3 and 2 × 2 levels number their cells in Z order from the south-west corner.
      code += String(row * l.cols + col);
    } else {
      code += col.toString(16).toUpperCase() + row.toString(16).toUpperCase();
    }
  }
  return code;
}

/** The cell a code names: its south-west corner in degrees, its size in degrees, and its level. */
export function beidouGridCell(code: string): {
  west: number;
  south: number;
  width: number;
  height: number;
  level: number;
} {
  const m = /^N(\d{2})([A-V])([0-9A-F]*)$/.exec(code);
  if (!m) throw new BeidouGridError(`"${code}" is not a northern-hemisphere Beidou grid code`);
  const zone = Number(m[1]);
  if (zone < 31 || zone > 60) throw new BeidouGridError(`zone ${zone} is not in the eastern hemisphere`);
  let x = (zone - 31) * levels[0].lon;
  let y = (m[2].charCodeAt(0) - 65) * levels[0].lat;
  if (y >= 88 * UNITS_PER_DEGREE) throw new BeidouGridError(`row ${m[2]} is in the polar cap`);
  let rest = m[3];
  let level = 1;
  while (rest.length > 0 && level < BEIDOU_MAX_LEVEL) {
    const l = levels[level];
    if (rest.length < l.width) break;
    let col: number;
    let row: number;
    if (l.width === 1) {
      const z = Number.parseInt(rest[0], 16);
      col = z % l.cols;
      row = Math.floor(z / l.cols);
    } else {
      col = Number.parseInt(rest[0], 16);
      row = Number.parseInt(rest[1], 16);
    }
    if (col >= l.cols || row >= l.rows) {
      throw new BeidouGridError(`"${code}": level ${level + 1} has no cell "${rest.slice(0, l.width)}"`);
    }
    x += col * l.lon;
    y += row * l.lat;
    rest = rest.slice(l.width);
    level++;
  }
  if (rest.length > 0) throw new BeidouGridError(`"${code}" has trailing characters "${rest}"`);
  const l = levels[level - 1];
  return {
    west: x / UNITS_PER_DEGREE,
    south: y / UNITS_PER_DEGREE,
    width: l.lon / UNITS_PER_DEGREE,
    height: l.lat / UNITS_PER_DEGREE,
    level,
  };
}

type Position = readonly number[];

/**
 * The point a building's code is taken from: a Point itself, or the area-weighted centroid of a Polygon's outer ring
 * (the largest polygon of a MultiPolygon), falling back to the vertex mean for a degenerate ring.
 */
export function representativePoint(geometry: { type: string; coordinates: unknown }): [number, number] | null {
  const ringCentroid = (ring: Position[]): { c: [number, number]; area: number } => {
    // Taken relative to the first vertex: a building is tiny beside its longitude, and the shoelace sums would
    // otherwise cancel away most of the precision.
    const [ox, oy] = ring[0];
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < ring.length - 1; i++) {
      const x1 = ring[i][0] - ox;
      const y1 = ring[i][1] - oy;
      const x2 = ring[i + 1][0] - ox;
      const y2 = ring[i + 1][1] - oy;
      const f = x1 * y2 - x2 * y1;
      a += f;
      cx += (x1 + x2) * f;
      cy += (y1 + y2) * f;
    }
    if (Math.abs(a) < 1e-18) {
      const pts = ring.slice(0, -1);
      return {
        c: [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length],
        area: 0,
      };
    }
    return { c: [ox + cx / (3 * a), oy + cy / (3 * a)], area: Math.abs(a / 2) };
  };
  switch (geometry.type) {
    case 'Point': {
      const p = geometry.coordinates as Position;
      return [p[0], p[1]];
    }
    case 'Polygon':
      return ringCentroid((geometry.coordinates as Position[][])[0]).c;
    case 'MultiPolygon': {
      const parts = (geometry.coordinates as Position[][][]).map((p) => ringCentroid(p[0]));
      return parts.reduce((best, p) => (p.area > best.area ? p : best)).c;
    }
    default:
      return null;
  }
}
