// Runs the benchmarks in sequence, each in its own process, echoes their output and ends with the collected
// `BENCH <name> <json>` lines. Usage: npm run bench [-- startup http audit import search]
import { spawn } from 'node:child_process';

const all = [
  'startup',
  'http',
  'audit',
  'import',
  'search',
  'plugins',
  'bridge-hops',
  'iot',
  'points',
  'market',
  'kill-three',
  'federation',
  'events',
  'booking',
  'access',
  'payment',
  'esign',
];
const CAP_MS = 10 * 60_000;
const picked = process.argv.slice(2).filter((a) => all.includes(a));
const names = picked.length ? picked : all;

function runOne(name: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', `bench/${name}.ts`], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    let buf = '';
    child.stdout.on('data', (b: Buffer) => {
      process.stdout.write(b);
      buf += b.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const l of parts) if (l.startsWith('BENCH ')) lines.push(l);
    });
    const cap = setTimeout(() => {
      console.error(`${name}: still running after ${CAP_MS / 60_000} min, killing pid ${child.pid}`);
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, CAP_MS);
    const stop = () => {
      if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    };
    process.once('SIGINT', stop);
    child.once('exit', (code) => {
      clearTimeout(cap);
      process.off('SIGINT', stop);
      if (buf.startsWith('BENCH ')) lines.push(buf);
      resolve({ code, lines });
    });
  });
}

const started = new Date();
console.log(`Shequ benchmarks — ${started.toISOString()} — node ${process.version}\n`);
const collected: string[] = [];
let failed = 0;
for (const name of names) {
  const t0 = performance.now();
  const { code, lines } = await runOne(name);
  console.log(`[${name}] exit ${code} after ${Math.round((performance.now() - t0) / 1000)} s\n`);
  if (code !== 0) failed++;
  collected.push(...lines);
}
console.log('== summary ==');
for (const l of collected) console.log(l);
process.exit(failed ? 1 : 0);
