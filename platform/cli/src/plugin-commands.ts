import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '@shequ/core';
import { callApi, postFile } from './api-client.ts';
import { str } from './args.ts';

type Flags = Record<string, string | true>;

export const pluginUsage = `  shequ plugin list --community CODE [--json]
  shequ plugin install <ID|DIR|FILE.shequ> --community CODE [--version V] [--no-grants] [--disabled]
                      [--require-signature] [--json]
                                            DIR: a built plugin folder (shequ.plugin.json, dist/bundle.js);
                                            FILE.shequ: a package from shequ-plugin pack (signature checked if signed)
  shequ plugin enable|disable|uninstall ID --community CODE
  shequ plugin upgrade ID --version V --community CODE [--dry-run] [--grant-new]`;

interface Install {
  pluginId: string;
  version: string;
  state: string;
  name: { zh: string; en: string };
  purgeAfter: string | null;
}

/** Reads a built plugin folder: the manifest and the bundle `shequ-plugin build` wrote (its merged manifest first). */
function readFolder(dir: string): { manifest: Record<string, unknown>; bundle: string } {
  const built = join(dir, 'dist', 'shequ.plugin.json');
  const manifestFile = existsSync(built) ? built : join(dir, 'shequ.plugin.json');
  const bundleFile = join(dir, 'dist', 'bundle.js');
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} not found`);
  if (!existsSync(bundleFile))
    throw new Error(`${bundleFile} not found: build the plugin first (npx shequ-plugin build ${dir})`);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    throw new Error(`${manifestFile} is not valid JSON: ${(err as Error).message}`);
  }
  return { manifest, bundle: readFileSync(bundleFile, 'utf8') };
}

async function newestVersion(config: Config, flags: Flags, pluginId: string): Promise<string> {
  const packages = await callApi<Array<{ pluginId: string; version: string }>>(
    config,
    flags,
    'query',
    'plugins.packages',
  );
  const pkg = packages.find((p) => p.pluginId === pluginId);
  if (!pkg) throw new Error(`no package ${pluginId} on the platform; install from its folder instead`);
  return pkg.version;
}

async function install(config: Config, flags: Flags, community: string, source: string): Promise<number> {
  let pluginId = source;
  let version = str(flags.version);
  if (source.endsWith('.shequ')) {
    let data: Buffer;
    try {
      data = readFileSync(source);
    } catch (err) {
      throw new Error(`cannot read ${source}: ${(err as Error).message}`);
    }
    const { body } = await postFile<{
      pluginId: string;
      version: string;
      error?: { messageZh: string; messageEn: string };
    }>(
      config,
      flags,
      `/api/plugins/packages${flags['require-signature'] ? '?signed=required' : ''}`,
      data,
      basename(source),
    );
    if (body.error) throw new Error(`${body.error.messageZh} ${body.error.messageEn}`);
    pluginId = body.pluginId;
    version = body.version;
  } else if (existsSync(source) && statSync(source).isDirectory()) {
    const r = await callApi<{ pluginId: string; version: string }>(
      config,
      flags,
      'mutation',
      'plugins.register',
      readFolder(source),
    );
    pluginId = r.pluginId;
    version = r.version;
  }
  version ??= await newestVersion(config, flags, pluginId);
  const r = await callApi<{ state: string }>(config, flags, 'mutation', 'plugins.install', {
    community,
    pluginId,
    version,
    grants: flags['no-grants'] ? { services: {}, data: [], hosts: [] } : undefined,
    enable: !flags.disabled,
  });
  console.log(
    flags.json
      ? JSON.stringify({ pluginId, version, state: r.state })
      : `${pluginId}@${version} installed in ${community} (${r.state})`,
  );
  return 0;
}

interface Grants {
  services: Record<string, string[]>;
  data: string[];
  hosts: string[];
}
interface Report {
  from: string;
  to: string;
  checked: number;
  migrated: number;
  failures: unknown[];
  escalation: string[];
}

/** The current grants plus everything the new version newly asks for (read from a dry run). */
async function grantsWithNew(
  config: Config,
  flags: Flags,
  community: string,
  pluginId: string,
  version: string,
): Promise<Grants> {
  const installs = await callApi<Array<Install & { grants: Grants }>>(config, flags, 'query', 'plugins.installed', {
    community,
  });
  const current = installs.find((i) => i.pluginId === pluginId);
  if (!current) throw new Error(`${pluginId} is not installed in ${community}`);
  const dry = await callApi<Report>(config, flags, 'mutation', 'plugins.upgrade', {
    community,
    pluginId,
    version,
    dryRun: true,
  });
  const g: Grants = structuredClone(current.grants);
  for (const p of dry.escalation) {
    if (p.includes(':')) g.data.push(p);
    else if (/^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/.test(p)) {
      const [s, a] = p.split('.');
      g.services[s] = [...(g.services[s] ?? []), a];
    } else g.hosts.push(p);
  }
  return g;
}

/** `shequ plugin …`: app lifecycle per community against the running platform. */
export async function pluginCommand(
  config: Config,
  flags: Flags,
  sub: string | undefined,
  arg: string | undefined,
): Promise<number> {
  const community = str(flags.community);
  if (!community || (sub !== 'list' && !arg)) {
    console.error(`usage:\n${pluginUsage}`);
    return 2;
  }
  switch (sub) {
    case 'list': {
      const rows = await callApi<Install[]>(config, flags, 'query', 'plugins.installed', { community });
      if (flags.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log(`no apps installed in ${community}`);
      else
        for (const r of rows)
          console.log(
            `${r.pluginId.padEnd(32)} ${r.version.padEnd(10)} ${r.state.padEnd(12)} ${r.name.zh}${r.purgeAfter ? ` (data purged after ${r.purgeAfter})` : ''}`,
          );
      return 0;
    }
    case 'install':
      return install(config, flags, community, arg as string);
    case 'enable':
    case 'disable': {
      const r = await callApi<{ state: string }>(config, flags, 'mutation', 'plugins.setEnabled', {
        community,
        pluginId: arg,
        enabled: sub === 'enable',
      });
      console.log(`${arg} ${r.state} in ${community}`);
      return 0;
    }
    case 'uninstall': {
      const r = await callApi<{ purgeAfter: string }>(config, flags, 'mutation', 'plugins.uninstall', {
        community,
        pluginId: arg,
      });
      console.log(`${arg} uninstalled from ${community}; its data is kept until ${r.purgeAfter}`);
      return 0;
    }
    case 'upgrade': {
      const version = str(flags.version);
      if (!version) {
        console.error('plugin upgrade needs --version');
        return 2;
      }
      const grants = flags['grant-new']
        ? await grantsWithNew(config, flags, community, arg as string, version)
        : undefined;
      const r = await callApi<Report>(config, flags, 'mutation', 'plugins.upgrade', {
        community,
        pluginId: arg,
        version,
        dryRun: flags['dry-run'] === true,
        grants,
      });
      if (flags.json) console.log(JSON.stringify(r));
      else
        console.log(
          `${flags['dry-run'] ? 'dry run: ' : ''}${arg} ${r.from} → ${r.to}: ${r.checked} records checked, ${r.migrated} migrated, ${r.failures.length} failed${r.escalation.length ? `; new permissions: ${r.escalation.join(', ')}` : ''}`,
        );
      return r.failures.length ? 1 : 0;
    }
  }
  console.error(`unknown plugin command "${sub}"\n${pluginUsage}`);
  return 2;
}
