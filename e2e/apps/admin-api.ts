// The suite's platform plus the admin bearer token `shequ start` writes into its data directory (runtime.json),
// so the suite can register its test app the way a publisher's pipeline would.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RunningPlatform, startPlatform } from '../support/platform.ts';

export type AdminApi = {
  query<T>(path: string, input: unknown): Promise<T>;
  mutate<T>(path: string, input: unknown): Promise<T>;
};

async function adminToken(root: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const dir of await readdir(root)) {
      try {
        const info = JSON.parse(await readFile(join(root, dir, 'runtime.json'), 'utf8')) as { adminToken?: string };
        if (info.adminToken) return info.adminToken;
      } catch {
        // Not written yet, or not the platform's data directory.
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no runtime.json with an admin token under ${root}`);
}

/**
 * Starts the platform with its data directory inside a folder of ours: startPlatform() names the directory with
 * os.tmpdir() before its first await, so pointing TMPDIR here for that one synchronous call is enough.
 */
export async function startWithAdmin(): Promise<{
  platform: RunningPlatform;
  admin: AdminApi;
  cleanup(): Promise<void>;
}> {
  const external = process.env.SHEQU_E2E_WEB_URL;
  const root = external ? '' : await mkdtemp(join(tmpdir(), 'shequ-apps-'));
  // The device MQTT listener has a fixed default port; another platform on this machine may hold it.
  process.env.SHEQU_MQTT_PORT ??= String(await freePort());
  const saved = process.env.TMPDIR;
  if (!external) process.env.TMPDIR = root;
  const starting = startPlatform();
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
  const platform = await starting;
  const token = external ? (process.env.SHEQU_E2E_ADMIN_TOKEN ?? '') : await adminToken(root);

  const call = async <T>(path: string, input: unknown, method: 'GET' | 'POST'): Promise<T> => {
    const url = new URL(`/api/trpc/${path}`, platform.apiUrl);
    if (method === 'GET') url.searchParams.set('input', JSON.stringify(input));
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(input) : undefined,
    });
    const body = (await res.json()) as { result?: { data: T }; error?: unknown };
    if (body.error) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    return body.result!.data;
  };

  return {
    platform,
    admin: { query: (p, i) => call(p, i, 'GET'), mutate: (p, i) => call(p, i, 'POST') },
    cleanup: async () => {
      await platform.stop();
      if (root) await rm(root, { recursive: true, force: true });
    },
  };
}
