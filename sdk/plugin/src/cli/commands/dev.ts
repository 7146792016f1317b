import { existsSync, readFileSync, watch } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command, CommandInput } from '../command.ts';
import { dirOf } from '../steps.ts';

/** Where the running Shequ is: flags, then SHEQU_URL/SHEQU_TOKEN, then the runtime file of a data dir. */
function platformOf(input: CommandInput): { url: string; token: string } {
  const url = (input.values.url as string | undefined) ?? process.env.SHEQU_URL;
  const token = (input.values.token as string | undefined) ?? process.env.SHEQU_TOKEN;
  if (url && token) return { url, token };
  // The installation that runs this CLI keeps its data in <root>/.data unless SHEQU_DATA_DIR says otherwise.
  const root = resolve(new URL('../../../../../', import.meta.url).pathname);
  const dataDir = process.env.SHEQU_DATA_DIR ? resolve(input.cwd, process.env.SHEQU_DATA_DIR) : join(root, '.data');
  const file = join(dataDir, 'runtime.json');
  if (!existsSync(file)) {
    throw new Error(
      `no running Shequ found (${file} does not exist): start it with \`npm start\`, or pass --url and --token`,
    );
  }
  const runtime = JSON.parse(readFileSync(file, 'utf8')) as { apiUrl: string; adminToken: string; webUrl?: string };
  return { url: runtime.apiUrl, token: runtime.adminToken };
}

async function trpc<T>(
  p: { url: string; token: string },
  kind: 'query' | 'mutation',
  path: string,
  input: unknown,
): Promise<T> {
  const u = new URL(`/api/trpc/${path}`, p.url);
  if (kind === 'query') u.searchParams.set('input', JSON.stringify(input));
  let res: Response;
  try {
    res = await fetch(u, {
      method: kind === 'query' ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: kind === 'mutation' ? JSON.stringify(input) : undefined,
    });
  } catch (err) {
    throw new Error(`cannot reach Shequ at ${p.url}: ${(err as Error).message}`);
  }
  const body = (await res.json()) as {
    result?: { data: T };
    error?: { message: string; data?: { messageZh?: string } };
  };
  if (body.error) throw new Error(`${body.error.data?.messageZh ?? ''} ${body.error.message}`.trim());
  return body.result?.data as T;
}

interface Install {
  pluginId: string;
  version: string;
  state: string;
}

/** Builds the folder as a fresh prerelease version and puts it in front of the community: install or upgrade. */
async function deploy(input: CommandInput, target: { url: string; token: string }, community: string): Promise<string> {
  const { buildPlugin } = await import('../../build/build-plugin.ts');
  const semver = (await import('semver')).default;
  const built = await buildPlugin(dirOf(input));
  // Versions are immutable on the platform: each build is a new prerelease that sorts after the previous one.
  const version = `${built.manifest.version}-dev.${Date.now()}`;
  const manifest = { ...built.manifest, version };
  await trpc(target, 'mutation', 'plugins.register', { manifest, bundle: built.bundle });
  const grants = {
    services: manifest.permissions?.services ?? {},
    data: manifest.permissions?.data ?? [],
    hosts: manifest.http?.hosts ?? [],
  };
  const installs = await trpc<Install[]>(target, 'query', 'plugins.installed', { community });
  const current = installs.find((i) => i.pluginId === manifest.id && i.state !== 'uninstalled');
  if (current && semver.gt(version, current.version)) {
    await trpc(target, 'mutation', 'plugins.upgrade', { community, pluginId: manifest.id, version, grants });
  } else {
    // A release (or nothing) is installed: replace it; the app's records are kept across the reinstall.
    if (current) await trpc(target, 'mutation', 'plugins.uninstall', { community, pluginId: manifest.id });
    await trpc(target, 'mutation', 'plugins.install', { community, pluginId: manifest.id, version, grants });
  }
  return `${manifest.id}@${version}`;
}

/** `shequ-plugin dev`; see `summary` and `usage`. */
export const command: Command = {
  summary:
    'Build and run the plugin in a local Shequ (install or upgrade in a community), again on every change / 本地联调',
  usage: 'dev [DIR] [--community CODE] [--url URL --token TOKEN] [--once]',
  options: {
    community: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    once: { type: 'boolean' },
  },
  async run(input) {
    const community = (input.values.community as string | undefined) ?? 'demo';
    let target: { url: string; token: string };
    try {
      target = platformOf(input);
    } catch (err) {
      input.err((err as Error).message);
      return 1;
    }
    const round = async () => {
      const started = performance.now();
      try {
        const key = await deploy(input, target, community);
        const id = key.split('@')[0];
        input.out(`${key} running in community ${community} (${Math.round(performance.now() - started)} ms)`);
        input.out(`  residents: /app/apps/${id}   staff: /console/apps/${id}`);
        return true;
      } catch (err) {
        input.err((err as Error).message);
        return false;
      }
    };
    const ok = await round();
    if (input.values.once) return ok ? 0 : 1;
    const dir = dirOf(input);
    input.out('watching src/ and shequ.plugin.json; Ctrl-C to stop');
    let timer: NodeJS.Timeout | undefined;
    const again = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void round(), 300);
    };
    const watchers = [
      watch(join(dir, 'src'), { recursive: true }, again),
      watch(join(dir, 'shequ.plugin.json'), again),
    ];
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
    for (const w of watchers) w.close();
    return 0;
  },
};
