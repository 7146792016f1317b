import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const nextBin = () => createRequire(join(webDir, 'package.json')).resolve('next/dist/bin/next');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when there is no production build of the web app, or its sources changed after the last one. */
export function webNeedsBuild(): boolean {
  const id = join(webDir, '.next', 'BUILD_ID');
  if (!existsSync(id)) return true;
  return newestMtime(join(webDir, 'src')) > statSync(id).mtimeMs;
}

export function buildWeb(): void {
  console.log('building the web app (first start only, about a minute)…');
  const res = spawnSync(process.execPath, [nextBin(), 'build'], {
    cwd: webDir,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (res.status !== 0) throw new Error('the web app failed to build (see the output above)');
}

/** Runs `next start` as a child process that proxies /api to the API process. */
export function startWeb(port: number, host: string, apiUrl: string): ChildProcess {
  return spawn(process.execPath, [nextBin(), 'start', '-p', String(port), '-H', host], {
    cwd: webDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SHEQU_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
  });
}
