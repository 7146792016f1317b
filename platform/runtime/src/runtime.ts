import type { Platform } from '@shequ/core';
import { PluginHost } from './host/plugin-host.ts';
import { coreCapabilities } from './host/services.ts';
import { purgeUninstalled } from './lifecycle.ts';
import { SandboxPool } from './sandbox/pool.ts';

export interface PluginRuntime {
  host: PluginHost;
  close(): Promise<void>;
}

const hour = 3_600_000;

/**
 * Starts the sandbox processes and the plugin host of an API process. With `purge`, it also runs the job that
 * deletes data of apps uninstalled longer than the retention period (hourly, and once at start).
 */
export async function openPluginRuntime(platform: Platform, opts: { purge?: boolean } = {}): Promise<PluginRuntime> {
  const log = platform.log.child({ component: 'plugins' });
  const pool = new SandboxPool({
    size: platform.config.pluginWorkers,
    onCrash: (info) => log.error(info, 'a plugin sandbox process stopped; starting a new one'),
  });
  await pool.ready();
  const host = new PluginHost(
    platform.database,
    pool,
    coreCapabilities({ db: platform.database.db, crypto: platform.crypto, channel: platform.channel }),
    log,
  );
  let timer: NodeJS.Timeout | undefined;
  if (opts.purge) {
    const purge = () =>
      purgeUninstalled(host).then(
        (r) => r.installs > 0 && log.info(r, 'purged uninstalled apps past their retention'),
        (err) => log.error({ err }, 'plugin purge failed'),
      );
    void purge();
    timer = setInterval(purge, hour);
    timer.unref();
  }
  return {
    host,
    async close() {
      clearInterval(timer);
      await host.close();
      await pool.close();
    },
  };
}
