import assert from 'node:assert/strict';
import { test } from 'node:test';
import { communityDate } from './time.ts';

test('the community day turns at midnight Beijing time, eight hours before UTC does', () => {
  assert.equal(communityDate(new Date('2026-11-28T15:59:59Z')), '2026-11-28');
  assert.equal(communityDate(new Date('2026-11-28T16:00:00Z')), '2026-11-29');
  assert.equal(communityDate(Date.parse('2026-12-31T23:30:00Z')), '2027-01-01');
});
