// Small-group suppression of health figures (withheldDays; the warehouse's aggregates, the gates' fever counts): primary and secondary suppression by distinct people.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withheldDays } from './small-groups.ts';

const day = (d: string, ...refs: string[]) => ({ day: d, refs });

test('days of fewer than k people are withheld; days of k or more are shown', () => {
  const days = [day('d1', 'a', 'b', 'c', 'd', 'e'), day('d2', 'f', 'g', 'h', 'i', 'j', 'k')];
  assert.deepEqual([...withheldDays(days, 5)], []);
  assert.deepEqual([...withheldDays(days, 6)].sort(), ['d1', 'd2'], 'd1 alone could be worked out from the total');
});

test('withheld days that together hold fewer than k people take the smallest shown day with them', () => {
  const days = [
    day('d1', 'a', 'b', 'c', 'd', 'e', 'f'),
    day('d2', 'g', 'h'),
    day('d3', 'i', 'j', 'k', 'l', 'm', 'n', 'o'),
    day('d4', 'p'),
  ];
  assert.deepEqual([...withheldDays(days, 5)].sort(), ['d1', 'd2', 'd4']);
});

test('the same person on many small days counts once', () => {
  const days = [
    day('d1', 'x'),
    day('d2', 'x'),
    day('d3', 'x'),
    day('d4', 'x'),
    day('d5', 'x'),
    day('d6', ...'abcdefgh'),
  ];
  assert.deepEqual([...withheldDays(days, 5)].sort(), ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
});

test('small days that together reach k people are enough on their own', () => {
  const days = [day('d1', 'a', 'b', 'c'), day('d2', 'd', 'e'), day('d3', ...'fghijk')];
  assert.deepEqual([...withheldDays(days, 5)].sort(), ['d1', 'd2']);
});

test('no days, nothing withheld', () => {
  assert.equal(withheldDays([], 5).size, 0);
});
