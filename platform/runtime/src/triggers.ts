import { createHash } from 'node:crypto';
import { type Bus, type EventEnvelope, type Subscription, subjectMatches } from '@shequ/bus';
import type { Logger } from '@shequ/core';
import { communityZone } from '@shequ/core';
import { pluginInstalls, processed, withScope } from '@shequ/db';
import { Cron } from 'croner';
import { eq } from 'drizzle-orm';
import type { PluginHost, PluginPackage } from './host/plugin-host.ts';

/** The time zone cron expressions of apps are read in (the communities of the standard are in Zhejiang). */
export const jobTimeZone = communityZone;

/** A stable UUID for a name, so a consumer marker can key things that are not events (a job's minute). */
function uuidOf(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Claims a unit of work for one consumer; false when another delivery or process already claimed it. */
async function claim(host: PluginHost, consumer: string, id: string): Promise<boolean> {
  const rows = await host.database.db
    .insert(processed)
    .values({ consumer, eventId: id })
    .onConflictDoNothing()
    .returning();
  return rows.length > 0;
}

/**
 * Delivers bus events to the apps that subscribe to them in the event's community. Each app sees an event at most
 * once (a claim per app and event id); an app that fails is logged and counted, and never holds up the bus.
 */
export async function startSubscriptions(host: PluginHost, bus: Bus, log: Logger): Promise<Subscription> {
  return bus.subscribe('plugin-subscriptions', 'shequ.>', async (event: EventEnvelope) => {
    if (!event.communityId) return;
    // An app's own lifecycle events change who is enabled: drop the cached list first.
    if (event.subject.startsWith('shequ.plugins.')) {
      const data = event.data as { pluginId?: string };
      if (data.pluginId) host.forget(event.communityId, data.pluginId);
    }
    const targets = (await host.enabledIn(event.communityId)).flatMap(({ pkg }) =>
      (pkg.manifest.subscriptions ?? [])
        .filter((s) => subjectMatches(s.subject, event.subject))
        .map((s) => ({ pkg, handler: s.handler })),
    );
    if (targets.length === 0) return;
    const code = await host.communityCode(event.communityId);
    for (const t of targets) {
      if (!(await claim(host, `plugin:${t.pkg.pluginId}:${t.handler}`, event.id))) continue;
      await host
        .invoke({
          community: { id: event.communityId, code },
          pluginId: t.pkg.pluginId,
          handler: t.handler,
          input: { event: { id: event.id, subject: event.subject, time: event.time, data: event.data } },
          user: null,
          via: 'system',
        })
        .catch((err) => log.warn({ err, plugin: t.pkg.pluginId, subject: event.subject }, 'app event handler failed'));
    }
  });
}

const crons = new Map<string, Cron>();
function cronOf(expr: string): Cron {
  let c = crons.get(expr);
  if (!c) {
    c = new Cron(expr, { timezone: jobTimeZone, paused: true });
    crons.set(expr, c);
  }
  return c;
}

/** Checks a cron expression; answers the reason it is not one. */
export function cronProblem(expr: string): string | null {
  try {
    cronOf(expr);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Runs the scheduled jobs of every enabled app whose cron expression matches `minute`. A job's minute is claimed
 * in the database first, so with several processes each job runs once per matching minute.
 */
export async function runDueJobs(host: PluginHost, minute: Date, log: Logger): Promise<number> {
  const slot = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
  const installs = await withScope(host.database.db, { kind: 'all' }, (tx) =>
    tx.select().from(pluginInstalls).where(eq(pluginInstalls.state, 'enabled')),
  );
  let ran = 0;
  for (const i of installs) {
    const pkg: PluginPackage | null = await host.package(i.pluginId, i.version);
    for (const job of pkg?.manifest.jobs ?? []) {
      if (!cronOf(job.cron).match(slot)) continue;
      const key = `${i.communityId}/${i.pluginId}/${job.name}/${slot.toISOString()}`;
      if (!(await claim(host, 'plugin-job', uuidOf(key)))) continue;
      ran++;
      await host
        .invoke({
          community: { id: i.communityId, code: await host.communityCode(i.communityId) },
          pluginId: i.pluginId,
          handler: job.handler,
          input: { job: job.name, scheduledFor: slot.toISOString() },
          user: null,
          via: 'system',
        })
        .catch((err) => log.warn({ err, plugin: i.pluginId, job: job.name }, 'app job failed'));
    }
  }
  return ran;
}

/** Ticks at the start of every minute and runs the jobs due then. */
export function startJobs(host: PluginHost, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    timer = setTimeout(
      () => {
        void runDueJobs(host, new Date(), log)
          .catch((err) => log.error({ err }, 'app job scheduler failed'))
          .finally(tick);
      },
      60_000 - (now % 60_000) + 50,
    );
    timer.unref();
  };
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
