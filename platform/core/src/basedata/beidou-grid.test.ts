import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BeidouGridError,
  beidouCellSeconds,
  beidouGridCell,
  beidouGridCode,
  representativePoint,
} from './beidou-grid.ts';

test('a point in Suzhou gets its 20-character level-10 code, each level a prefix of the next', () => {
  // Worked by hand from the standard's divisions: 6°×4° sheet 51H, then 30′ (1,6), 15′×10′ Z-order 0, 1′ (4,8),
  // 4″ (14,7), 2″ Z-order 1, and the four 8×8 levels (3,6) (7,3) (3,3) (4,3).
  const code = beidouGridCode(120.5830508, 31.1415575);
  assert.equal(code, 'N51H16048E7136733343');
  assert.equal(code.length, 20);
  const widths = [4, 6, 7, 9, 11, 12, 14, 16, 18, 20];
  for (const [i, w] of widths.entries()) {
    assert.equal(beidouGridCode(120.5830508, 31.1415575, i + 1), code.slice(0, w));
  }
});

test('Hangzhou lies in the 1:1,000,000 sheet H51 (level 1 N51H); Beijing in J50', () => {
  assert.equal(beidouGridCode(120.15, 30.27, 1), 'N51H');
  assert.equal(beidouGridCode(116.39, 39.91, 1), 'N50J');
});

test('cell edges are exact: a point on an edge belongs to the cell east and north of it', () => {
  assert.equal(beidouGridCode(120, 28, 2), 'N51H00');
  assert.equal(beidouGridCode(120.5, 28.5, 2), 'N51H11');
  assert.equal(beidouGridCode(119.9999999, 27.9999999, 1), 'N50G');
  // 15′ × 10′: the north-east cell of the 2 × 3 block is 5.
  assert.equal(beidouGridCode(120 + 0.25 + 1e-9, 28 + 2 / 6 + 1e-9, 3), 'N51H005');
});

test('decoding gives the cell that holds the point, at every level, for points across China', () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let n = 0; n < 500; n++) {
    const lon = 73 + rnd() * 62;
    const lat = 3 + rnd() * 50;
    for (let level = 1; level <= 10; level++) {
      const cell = beidouGridCell(beidouGridCode(lon, lat, level));
      assert.equal(cell.level, level);
      const eps = 1e-12;
      assert.ok(lon >= cell.west - eps && lon < cell.west + cell.width + eps, `lon ${lon} in level ${level}`);
      assert.ok(lat >= cell.south - eps && lat < cell.south + cell.height + eps, `lat ${lat} in level ${level}`);
      assert.ok(Math.abs(cell.width * 3600 - beidouCellSeconds[level - 1].lon) < 1e-9);
    }
  }
  // The level-10 cell is 1/2048″: about 1.5 cm of latitude.
  assert.ok(Math.abs(beidouGridCell('N51H16048E7136733343').height * 111_320 - 0.0151) < 0.001);
});

test('positions outside the encoded hemisphere, bad levels and malformed codes are refused with a reason', () => {
  assert.throws(() => beidouGridCode(-58.38, -34.6), BeidouGridError);
  assert.throws(() => beidouGridCode(120, 89), /88/);
  assert.throws(() => beidouGridCode(Number.NaN, 30), BeidouGridError);
  assert.throws(() => beidouGridCode(120, 30, 11), /level/);
  assert.throws(() => beidouGridCell('N51HG0'), BeidouGridError);
  assert.throws(() => beidouGridCell('N51H1C'), /level 2 has no cell "1C"/);
  assert.throws(() => beidouGridCell('N51H106'), /level 3 has no cell "6"/);
  assert.throws(() => beidouGridCell('N20H'), /eastern hemisphere/);
  assert.throws(() => beidouGridCell('N51H1'), /trailing/);
});

test('a building is placed by the area centroid of its outline', () => {
  const square = {
    type: 'Polygon',
    coordinates: [
      [
        [120, 30],
        [120.002, 30],
        [120.002, 30.002],
        [120, 30.002],
        [120, 30],
      ],
    ],
  };
  const [x, y] = representativePoint(square) as [number, number];
  assert.ok(Math.abs(x - 120.001) < 1e-9 && Math.abs(y - 30.001) < 1e-9);
  assert.deepEqual(representativePoint({ type: 'Point', coordinates: [120.1, 30.2] }), [120.1, 30.2]);
  assert.equal(representativePoint({ type: 'LineString', coordinates: [] }), null);
});
