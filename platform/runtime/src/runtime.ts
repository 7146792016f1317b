import type { Platform } from '@shequ/core';
import { purgeHandlerMetrics } from './host/metrics.ts';
import { PluginHost } from './host/plugin-host.ts';
import { coreCapabilities } from './host/services.ts';
import { purgeUninstalled } from './lifecycle.ts';
import { SandboxPool } from './sandbox/pool.ts';
import { startJobs, startSubscriptions } from './triggers.ts';

export interface PluginRuntime {
  host: PluginHost;
  close(): Promise<void>;
}

const hour = 3_600_000;
/** How often counted handler metrics are written. */
const metricsFlushMs = 5_000;

/**
 * Starts the sandbox processes and the plugin host of an API process. With `triggers`, apps also receive the bus
 * events they subscribe to and run their scheduled jobs; with `purge`, the job that deletes data of apps uninstalled
 * longer than the retention period runs (hourly, and once at start).
 */
export async function openPluginRuntime(
  platform: Platform,
  opts: { purge?: boolean; triggers?: boolean } = {},
): Promise<PluginRuntime> {
  const log = platform.log.child({ component: 'plugins' });
  const pool = new SandboxPool({
    size: platform.config.pluginWorkers,
    onCrash: (info) => log.error(info, 'a plugin sandbox process stopped; starting a new one'),
  });
  await pool.ready();
  const host = new PluginHost(
    platform.database,
    pool,
    coreCapabilities({
      db: platform.database.db,
      crypto: platform.crypto,
      channel: platform.channel,
      adapters: platform.messageAdapters,
      payment: platform.payment,
    }),
    log,
  );
  const subscriptions = opts.triggers ? await startSubscriptions(host, platform.bus, log) : undefined;
  const jobs = opts.triggers ? startJobs(host, log) : undefined;
  // Handler metrics leave memory in batches: the hot path only counts.
  const metricsTimer = setInterval(
    () => void host.flushMetrics().catch((err) => log.warn({ err }, 'handler metrics flush failed; will retry')),
    metricsFlushMs,
  );
  metricsTimer.unref();
  let timer: NodeJS.Timeout | undefined;
  if (opts.purge) {
    const purge = () =>
      Promise.all([
        purgeUninstalled(host).then(
          (r) => r.installs > 0 && log.info(r, 'purged uninstalled apps past their retention'),
          (err) => log.error({ err }, 'plugin purge failed'),
        ),
        purgeHandlerMetrics(platform.database.db).catch((err) => log.error({ err }, 'handler metrics purge failed')),
      ]);
    void purge();
    timer = setInterval(purge, hour);
    timer.unref();
  }
  return {
    host,
    async close() {
      clearInterval(timer);
      clearInterval(metricsTimer);
      jobs?.stop();
      await subscriptions?.stop();
      await host.close();
      await pool.close();
    },
  };
}
