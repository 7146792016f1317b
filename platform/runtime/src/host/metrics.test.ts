import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Executor } from '@shequ/db';
import { HandlerMetrics, latencyBounds, quantileMs } from './metrics.ts';

test('p95 and p99 are read from the latency histogram: the bucket bound reaching the share, capped by the maximum', () => {
  const buckets = new Array(latencyBounds.length + 1).fill(0);
  buckets[0] = 90; // ≤ 5 ms
  buckets[4] = 8; // ≤ 100 ms
  buckets[latencyBounds.length] = 2; // slower than 10 s
  assert.equal(quantileMs(buckets, 0.9, 12_000), 5);
  assert.equal(quantileMs(buckets, 0.95, 12_000), 100);
  assert.equal(quantileMs(buckets, 0.99, 12_000), 12_000);
  assert.equal(quantileMs(buckets, 0.5, 3), 3, 'never above the slowest call seen');
  assert.equal(quantileMs(new Array(latencyBounds.length + 1).fill(0), 0.99, 0), 0);
});

test('calls are counted in memory per community, version, handler and hour; a failed flush keeps them', async () => {
  const m = new HandlerMetrics();
  const at = Date.UTC(2026, 10, 28, 9, 15);
  m.record('c1', 'org.a', '1.0.0', 'list', 3, true, at);
  m.record('c1', 'org.a', '1.0.0', 'list', 30, false, at + 60_000);
  m.record('c1', 'org.a', '1.1.0', 'list', 3, true, at);
  m.record('c1', 'org.a', '1.0.0', 'list', 3, true, at + 3_600_000);
  assert.equal(m.pending, 3, 'one cell per version and hour');
  const down = {
    transaction: async () => {
      throw new Error('database down');
    },
  } as unknown as Executor;
  await assert.rejects(m.flush(down), /database down/);
  assert.equal(m.pending, 3, 'the counts wait for the next flush');
  m.record('c1', 'org.a', '1.0.0', 'list', 3, true, at);
  assert.equal(m.pending, 3);
});
