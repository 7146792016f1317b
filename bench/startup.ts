// Start-up time of `shequ start --role api`: first start on an empty data dir (migrations + demo seeding), then warm
// starts on the same data dir (the "existing data dir" case; goal < 15 s), measured from spawn until GET /api/health
// answers 200. Usage: node --no-node-snapshot bench/startup.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childReaper, emit, freePort, isolatedEnv, median, round, sleep } from './common.ts';

const POLL_MS = 50;
const CAP_MS = 120_000;
const EXIT_CAP_MS = 30_000;
const WARM_RUNS = 3;
const GOAL_WARM_MS = 15_000;

const { children, killAll } = childReaper();

interface Run {
  readyMs: number;
  stopMs: number;
  exitCode: number | null;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function startOnce(dataDir: string, label: string): Promise<Run> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/api/health`;
  let output = '';
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--no-node-snapshot', 'platform/cli/src/bin.ts', 'start', '--role', 'api'], {
    cwd: process.cwd(),
    env: isolatedEnv({ SHEQU_DATA_DIR: dataDir, SHEQU_API_PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let readyMs = -1;
  while (performance.now() - t0 < CAP_MS) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await healthy(url)) {
      readyMs = performance.now() - t0;
      break;
    }
    await sleep(POLL_MS);
  }
  if (readyMs < 0) {
    if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    throw new Error(`${label}: /api/health did not answer 200 within ${CAP_MS / 1000} s\n--- output ---\n${output}`);
  }

  const s0 = performance.now();
  if (child.pid) process.kill(child.pid, 'SIGTERM');
  const exitCode = await Promise.race([exited, sleep(EXIT_CAP_MS).then(() => 'timeout' as const)]);
  if (exitCode === 'timeout') {
    if (child.pid) process.kill(child.pid, 'SIGKILL');
    await exited;
    throw new Error(`${label}: did not exit within ${EXIT_CAP_MS / 1000} s of SIGTERM`);
  }
  const stopMs = performance.now() - s0;
  children.delete(child);
  console.log(
    `  ${label.padEnd(22)} ready in ${round(readyMs, 0)} ms, stopped in ${round(stopMs, 0)} ms (exit ${exitCode})`,
  );
  return { readyMs, stopMs, exitCode };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'shequ-bench-startup-'));
  try {
    console.log('== start-up: shequ start --role api (spawn → GET /api/health 200, polled every 50 ms) ==');
    console.log(`  data dir ${dataDir}`);
    const first = await startOnce(dataDir, 'first start (empty)');
    const warm: Run[] = [];
    for (let i = 1; i <= WARM_RUNS; i++) warm.push(await startOnce(dataDir, `warm start #${i}`));
    const warmMs = warm.map((r) => r.readyMs);
    const warmMedian = median(warmMs);
    const met = warmMedian < GOAL_WARM_MS;
    console.log(
      `  first start ${round(first.readyMs, 0)} ms (migrations + demo seed); warm start median ${round(warmMedian, 0)} ms` +
        ` over ${WARM_RUNS} runs [${warmMs.map((m) => round(m, 0)).join(', ')}] — goal < ${GOAL_WARM_MS / 1000} s: ${met ? 'MET' : 'NOT MET'}`,
    );
    emit('startup', {
      firstStartMs: round(first.readyMs, 0),
      warmStartMs: warmMs.map((m) => round(m, 0)),
      warmStartMedianMs: round(warmMedian, 0),
      stopMs: [first, ...warm].map((r) => round(r.stopMs, 0)),
      goalWarmMs: GOAL_WARM_MS,
      goalMet: met,
    });
  } finally {
    killAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`startup bench failed: ${(err as Error).message}`);
  killAll();
  process.exit(1);
});
