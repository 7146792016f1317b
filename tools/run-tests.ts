// Runs the test suites with node's test runner and prints one closing line totalled over all of them:
// `N passed, N failed, N skipped`. Usage: node tools/run-tests.ts [unit|e2e|all] [extra node --test args]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const suites: Record<string, string[]> = {
  unit: [
    'platform/*/src/**/*.test.ts',
    'sdk/*/src/**/*.test.ts',
    'examples/*/test/**/*.test.ts',
    'schemas/src/**/*.test.ts',
    'marketplace/src/**/*.test.ts',
    'tools/**/*.test.ts',
  ],
  e2e: ['e2e/**/*.test.ts'],
};
const which = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : 'all';
const extra = process.argv.slice(which === process.argv[2] ? 3 : 2);
const selected = which === 'all' ? ['unit', 'e2e'] : [which];
if (!selected.every((s) => s in suites)) {
  console.error(`unknown suite "${which}"; expected unit, e2e or all`);
  process.exit(2);
}

const outDir = '.ci-out';
mkdirSync(outDir, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const suite of selected) {
  const tap = join(outDir, `${suite}.tap`);
  const res = spawnSync(
    process.execPath,
    [
      '--no-node-snapshot',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      // Unit files run two at a time even on two cores (the runner's default there is one): much of their time is
      // spent waiting on PostgreSQL, NATS, sockets and timers, and each file has its own databases, streams and
      // ports. The browser suites start a whole platform each and stay one at a time. The per-test timeout only
      // catches a hang: a test that starts platforms takes up to ~90 s beside another file on a slow machine.
      ...(suite === 'e2e'
        ? ['--test-concurrency=1', '--test-timeout=300000']
        : [`--test-concurrency=${Math.max(2, availableParallelism() - 1)}`, '--test-timeout=300000']),
      ...extra,
      ...suites[suite],
    ],
    { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '--no-node-snapshot' } },
  );
  const text = readFileSync(tap, 'utf8');
  const count = (name: string) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  const skipped = count('skipped') + count('todo');
  console.log(`[${suite}] ${passed} passed, ${failed} failed, ${skipped} skipped`);
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  if (res.status !== 0 || failed > 0 || passed === 0) exitCode = 1;
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);
