import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { buildServer, newAdminToken } from '@shequ/api';
import type { Subscription } from '@shequ/bus';
import {
  type Config,
  DEMO_PASSWORD,
  demoAccounts,
  followAlarms,
  followEarnings,
  followGatePasses,
  openPlatform,
  type Platform,
  roles,
  startContractExpiry,
  startDeliveryDispatcher,
  startHoldExpiry,
  startPointsExpiry,
  startReconciliationJob,
  startRefundPoll,
  startSlaPoller,
} from '@shequ/core';
import {
  CoapIngest,
  followDeviceLifecycle,
  followSituationClosures,
  followSituations,
  followWarehouse,
  HttpIngest,
  IotEngine,
  RuleEngine,
  startTelemetryMaintenance,
} from '@shequ/iot';
import {
  listenForKills,
  startOperationsReports,
  startReportDelivery,
  startRolloutChecks,
  startUpstreamSync,
} from '@shequ/marketplace';
import { CodecSandbox, openPluginRuntime, type PluginRuntime, SandboxPool } from '@shequ/runtime';
import { installDemoApps } from './demo-apps.ts';
import { liveRuntime, removeRuntime, writeRuntime } from './runtime-file.ts';
import { buildWeb, startWeb, webNeedsBuild } from './web.ts';

export type Role = 'all' | 'api' | 'web' | 'worker' | 'iot';

/** Starts the IoT engine (MQTT gateway, telemetry writer, downlink) inside this process. */
async function startIot(platform: Platform, plugins: () => PluginRuntime | undefined) {
  const { config } = platform;
  // Product codecs (raw-data topics, LoRaWAN) run in a sandbox process of their own, apart from the apps' processes.
  const codecPool = new SandboxPool({
    size: 1,
    onCrash: (info) => platform.log.error(info, 'the codec sandbox process stopped; starting a new one'),
  });
  await codecPool.ready();
  const iot = new IotEngine({
    database: platform.database,
    crypto: platform.crypto,
    log: platform.log,
    codecRunner: new CodecSandbox(codecPool, { maxWarm: config.codecMaxWarm }),
    onCommit: () => platform.relay.kick(),
    publishCommitted: (rowId, events) => platform.relay.publishCommitted(rowId, events),
    // One durable per gateway listener, so every gateway sees every lifecycle change made while it runs
    // (a `processListener`: new events only; the server drops it ten minutes after the gateway is gone).
    bus: { bus: platform.bus, durable: `iot-gateway-${hostname()}-${config.mqttPort}` },
    gateway: {
      maxTimestampSkewMs: config.mqttMaxSkewSeconds === undefined ? null : config.mqttMaxSkewSeconds * 1000,
      offlineDebounceMs: config.mqttOfflineDebounceSeconds * 1000,
    },
  });
  const tls = config.mqtts && {
    port: config.mqtts.port,
    options: { cert: readFileSync(config.mqtts.certPath), key: readFileSync(config.mqtts.keyPath) },
  };
  const ports = await iot.start({ port: config.mqttPort, host: config.host, tls });
  // The rule consumer runs beside the gateway, so linkage commands reach devices directly. Every process shares one
  // durable name: each event is evaluated once per rule (claims dedupe redeliveries).
  const rules = new RuleEngine({
    database: platform.database,
    channel: platform.channel,
    iot,
    log: platform.log,
    onCommit: () => platform.relay.kick(),
    distributed: platform.bus.kind === 'nats',
    // Apps start after the gateway (role api); a `plugin` action in a process without them is dead-lettered.
    invokePlugin: async ({ communityId, pluginId, handler, input }) => {
      const host = plugins()?.host;
      if (!host) throw new Error('apps do not run in this process (start role api beside iot)');
      const community = { id: communityId, code: await host.communityCode(communityId) };
      return host.invoke({ community, pluginId, handler, input, user: null, via: 'system' });
    },
  });
  const ruleSub = await rules.start(platform.bus, 'iot-rules');
  // Schedule triggers: judged at every minute; each rule, device and minute is claimed once across processes.
  const schedules = rules.startSchedules();
  // The IoT warehouse: hourly and daily roll-ups of numeric properties; raw telemetry kept SHEQU_IOT_RAW_RETENTION_DAYS.
  const maintenance = startTelemetryMaintenance(platform.database.db, {
    retentionDays: config.iotRawRetentionDays,
    log: platform.log,
  });
  const devices = await startDeviceListeners(platform, iot);
  return { iot, ports, rules, ruleSub, schedules, maintenance, codecPool, ...devices };
}

/** The device HTTP(S) and CoAP listeners, sharing the MQTT gateway's writer (same checks, same batches). */
async function startDeviceListeners(platform: Platform, iot: IotEngine) {
  const { config } = platform;
  const o = {
    database: platform.database,
    crypto: platform.crypto,
    writer: iot.writer,
    codecs: iot.codecs,
    networkServers: iot.networkServers,
    log: platform.log,
    onStateCommitted: () => platform.relay.kick(),
    maxTimestampSkewMs: config.mqttMaxSkewSeconds === undefined ? null : config.mqttMaxSkewSeconds * 1000,
  };
  let http: { ingest: HttpIngest; port: number; tls: boolean } | undefined;
  if (config.iotHttpPort !== undefined) {
    const ingest = new HttpIngest(o);
    const t = config.iotHttpTls;
    const tls = t && { cert: readFileSync(t.certPath), key: readFileSync(t.keyPath) };
    if (!tls && !['127.0.0.1', 'localhost', '::1'].includes(config.host))
      platform.log.warn('device HTTP listener without TLS on a non-loopback address: set SHEQU_IOT_HTTP_CERT/KEY');
    const r = await busyIsWarning(platform, 'SHEQU_IOT_HTTP_PORT', () =>
      ingest.listen({ port: config.iotHttpPort!, host: config.host, tls }),
    );
    http = r && { ingest, ...r };
  }
  let coap: { ingest: CoapIngest; port?: number; dtlsPort?: number } | undefined;
  if (config.coapPort !== undefined || config.coapsPort !== undefined) {
    // Plain CoAP and CoAP over DTLS share one ingest: tokens, limits, request handling and the lifecycle follower.
    const ingest = new CoapIngest(o);
    const plain =
      config.coapPort === undefined
        ? undefined
        : await busyIsWarning(platform, 'SHEQU_COAP_PORT', () =>
            ingest.listen({ port: config.coapPort!, host: config.host }),
          );
    const dtls =
      config.coapsPort === undefined
        ? undefined
        : await busyIsWarning(platform, 'SHEQU_COAPS_PORT', () =>
            ingest.listenDtls({ port: config.coapsPort!, host: config.host }),
          );
    if (plain || dtls) coap = { ingest, port: plain?.port, dtlsPort: dtls?.port };
    else await ingest.close();
  }
  const ingests = [http?.ingest.ingest, coap?.ingest.ingest].filter((i) => i !== undefined);
  // Disabled or deleted devices lose their HTTP/CoAP tokens at once, whichever process made the change.
  const lifecycle = ingests.length
    ? await followDeviceLifecycle(
        platform.bus,
        `iot-devices-${hostname()}-${config.iotHttpPort ?? 'off'}-${config.coapPort ?? 'off'}${config.coapsPort === undefined ? '' : `-${config.coapsPort}`}`,
        platform.database,
        ingests,
        platform.log,
        http?.ingest.lorawan ? [http.ingest.lorawan] : [],
      )
    : undefined;
  return { http, coap, lifecycle };
}

/**
 * A device port another process holds (a second platform on a shared machine) leaves that transport off with a
 * warning naming the variable: MQTT still serves devices, and tests start platforms side by side.
 */
async function busyIsWarning<T>(
  platform: Platform,
  variable: string,
  listen: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    platform.log.warn(`${variable}: the port is in use, this transport stays off (set another port, 0 or off)`);
    return undefined;
  }
}

/** The demo community's simulated devices, talking to this process's listeners like real devices would. */
async function startSimulator(platform: Platform, iot: NonNullable<Awaited<ReturnType<typeof startIot>>>) {
  const rate = platform.config.simulatorRate;
  if (rate === undefined) return undefined;
  try {
    const { startDemoSimulator } = await import('@shequ/example-simulator');
    return await startDemoSimulator({
      database: platform.database,
      deps: iot.iot.deps,
      dataDir: platform.config.dataDir,
      rate,
      endpoints: {
        mqttUrl: `mqtt://127.0.0.1:${iot.ports.port}`,
        httpUrl: iot.http && !iot.http.tls ? `http://127.0.0.1:${iot.http.port}` : undefined,
        coap: iot.coap?.port === undefined ? undefined : { host: '127.0.0.1', port: iot.coap.port },
      },
      log: platform.log,
    });
  } catch (err) {
    // The demo's liveliness is never worth a failed start.
    platform.log.warn({ err }, 'the device simulator did not start');
    return undefined;
  }
}

function printWelcome(config: Config, seeded: boolean, iot?: Awaited<ReturnType<typeof startIot>>) {
  const mqtt = iot?.ports;
  const web = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  console.log(`\nShequ 社区 is running`);
  console.log(
    `  web      ${web}/login   (resident ${web}/app, console ${web}/console, gov ${web}/gov, designer ${web}/designer, market ${web}/market)`,
  );
  console.log(`  api      http://${config.host}:${config.apiPort}/api/health`);
  if (mqtt)
    console.log(
      `  mqtt     mqtt://${config.host}:${mqtt.port}${mqtt.tlsPort ? `, mqtts://${config.host}:${mqtt.tlsPort}` : ''}   (devices: Alink signing; see README)`,
    );
  if (iot?.http)
    console.log(`  http     ${iot.http.tls ? 'https' : 'http'}://${config.host}:${iot.http.port}/auth   (devices)`);
  if (iot?.coap?.port !== undefined)
    console.log(`  coap     coap://${config.host}:${iot.coap.port}/auth   (devices, UDP)`);
  if (iot?.coap?.dtlsPort !== undefined)
    console.log(`  coaps    coaps://${config.host}:${iot.coap.dtlsPort}/topic/…   (devices, DTLS 1.2 PSK)`);
  if (seeded) {
    console.log(
      `\nDemo community "demo" (示范社区, compound 示范小区) seeded. Demo accounts, password ${DEMO_PASSWORD}:`,
    );
    for (const a of demoAccounts) console.log(`  ${a.username.padEnd(10)} ${roles[a.role].zh} / ${roles[a.role].en}`);
  }
  console.log('');
}

/**
 * Starts one role, several (`api,iot`), or every role under one supervisor (the default with embedded PGlite and
 * the in-process bus).
 */
export async function start(config: Config, roleOrRoles: Role | Role[]): Promise<void> {
  const wanted = new Set(Array.isArray(roleOrRoles) ? roleOrRoles : [roleOrRoles]);
  const has = (r: Role) => wanted.has('all') || wanted.has(r);
  const role = [...wanted].join(',');
  if (role === 'web') {
    if (webNeedsBuild()) buildWeb();
    const apiUrl = process.env.SHEQU_API_URL ?? `http://127.0.0.1:${config.apiPort}`;
    const child = startWeb(config.port, config.host, apiUrl);
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return;
  }
  if (has('web') && webNeedsBuild()) buildWeb();
  const platform = await openPlatform(config, { role });
  let web: ChildProcess | undefined;
  let server: Awaited<ReturnType<typeof buildServer>> | undefined;
  let plugins: PluginRuntime | undefined;
  let killListener: Subscription | undefined;
  let upstreamSync: ReturnType<typeof startUpstreamSync> | undefined;
  let rolloutChecks: ReturnType<typeof startRolloutChecks> | undefined;
  // API processes sharing a port (SHEQU_API_REUSE_PORT) share the admin token of the one already running from this
  // data dir: the CLI's request reaches whichever of them the kernel picks.
  const adminToken = (config.apiReusePort && liveRuntime(config.dataDir)?.adminToken) || newAdminToken();
  const iot = has('iot') ? await startIot(platform, () => plugins) : undefined;
  let eventLoop:
    | {
        alarms: { stop(): Promise<void> };
        passes: { stop(): Promise<void> };
        warehouse: { stop(): Promise<void> };
        situations: { stop(): Promise<void> };
        situationClosures: { stop(): Promise<void> };
        earnings: { stop(): Promise<void> };
        sla: { stop(): Promise<void> };
      }
    | undefined;
  if (has('api')) {
    // The event closed loop: IoT alarms open events (one durable for all processes) and SLA timers are polled with
    // SKIP LOCKED, so every API process can run both.
    eventLoop = {
      alarms: await followAlarms(platform.bus, platform.database, { onCommit: () => platform.relay.kick() }),
      // Gate passes become access records; an admitted visitor code queues the gate's open command. People counters'
      // counts become flow per area, parking-space sensors' arrivals and leavings space occupancies.
      passes: await followGatePasses(platform.bus, platform.database, platform.crypto, {
        onCommit: () => platform.relay.kick(),
      }),
      // The IoT warehouse's records (7.2.2): locker parcels, garbage drops and collections, vital-sign events.
      warehouse: await followWarehouse(platform.bus, platform.database.db),
      // 公共区域态势库 (DB33 7.2.2.3): alert events of cameras, perimeter and emergency sensors become situations
      // (repeats within SHEQU_SITUATION_WINDOW_MINUTES extend one); closing a situation's desk event gives its result.
      situations: await followSituations(platform.bus, platform.database, {
        windowMs: config.situationWindowMinutes * 60_000,
        onCommit: () => platform.relay.kick(),
      }),
      situationClosures: await followSituationClosures(platform.bus, platform.database, {
        onCommit: () => platform.relay.kick(),
      }),
      // 积分规则: activity check-ins and closed reports pay points or time-bank minutes.
      earnings: await followEarnings(platform.bus, platform.database, { onCommit: () => platform.relay.kick() }),
      sla: startSlaPoller(platform.database, {
        onFired: () => platform.relay.kick(),
        onError: (err) => platform.log.warn({ err }, 'event SLA poller failed, will retry'),
      }),
    };
    plugins = await openPluginRuntime(platform, { purge: true, triggers: true });
    await installDemoApps(platform, plugins.host);
    server = await buildServer(platform, { adminToken, plugins: plugins.host, iot: iot?.iot, rules: iot?.rules });
    // With SHEQU_API_REUSE_PORT=on several API processes on this host listen on the same port (SO_REUSEPORT).
    const listen = { port: config.apiPort, host: config.host, reusePort: config.apiReusePort };
    await server.listen(listen);
    const address = server.server.address();
    const apiPort = typeof address === 'object' && address ? address.port : config.apiPort;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // Every API process hears marketplace kills (its own durable per host, port and process, new kills only; an
    // idle one is dropped by the bus after ten minutes). Processes sharing a port keep their own.
    killListener = await listenForKills(
      platform.bus,
      plugins.host,
      platform.log,
      `${hostname()}-${apiPort}-${process.pid}`,
    );
    // Federation (DB33 8.1.1): followed upstream catalogs are synced on an interval (SHEQU_UPSTREAM_SYNC_SECONDS).
    if (config.upstreamSyncSeconds > 0)
      upstreamSync = startUpstreamSync(
        {
          database: platform.database,
          crypto: platform.crypto,
          host: plugins.host,
          catalog: { id: config.catalogId, upstreamHosts: config.upstreamHosts },
        },
        {
          intervalMs: config.upstreamSyncSeconds * 1000,
          onError: (err) => platform.log.warn({ err }, 'upstream catalog sync failed; will retry'),
        },
      );
    // Staged upgrades: the checker rolls a rollout back when its new version fails too often (every API process
    // may run it: ending a rollout is conditional on it still being active). It needs the plugin host, so it runs
    // with the api role, which every deployment has.
    rolloutChecks = startRolloutChecks(
      { database: platform.database, crypto: platform.crypto, host: plugins.host },
      platform.log,
      config.rolloutCheckSeconds * 1000,
    );
    if (has('web')) web = startWeb(config.port, config.host, apiUrl);
    writeRuntime(config.dataDir, {
      pid: process.pid,
      apiUrl,
      webUrl: has('web') ? `http://127.0.0.1:${config.port}` : undefined,
      mqttPort: iot?.ports.port,
      adminToken,
      startedAt: new Date().toISOString(),
    });
  }
  // Booking holds expire and missed bookings become no-shows by a polled job (SKIP LOCKED: safe in every process).
  const bookingSweep =
    has('api') || has('worker')
      ? startHoldExpiry(platform.database.db, {
          onError: (err) => platform.log.warn({ err }, 'booking hold expiry failed; will retry'),
        })
      : undefined;
  // Contracts not signed by their deadline expire by a polled job (SKIP LOCKED).
  const contractSweep =
    has('api') || has('worker')
      ? startContractExpiry(platform.database.db, {
          onError: (err) => platform.log.warn({ err }, 'contract expiry failed; will retry'),
        })
      : undefined;
  // Message deliveries deferred by quiet hours, and retries, go out from a polled dispatcher (SKIP LOCKED).
  const messageDispatch =
    has('api') || has('worker')
      ? startDeliveryDispatcher(
          { db: platform.database.db, adapters: platform.messageAdapters, crypto: platform.crypto },
          { onError: (err) => platform.log.warn({ err }, 'message dispatch failed; will retry') },
        )
      : undefined;
  // Daily jobs of the api and worker roles, not of every process that opens the platform (CLI commands, tests):
  // yesterday's provider bills against the payment ledger at 10:00, and points past their validity lapsing at 03:00.
  // Both are idempotent, so several processes running them change nothing twice.
  const daily =
    has('api') || has('worker')
      ? [
          startReconciliationJob(platform.payment, (r) =>
            r.balanced
              ? platform.log.info({ report: r }, 'payment reconciliation balanced')
              : platform.log.warn({ report: r }, 'payment reconciliation found differences'),
          ),
          startPointsExpiry(platform.database.db, config.pointsExpiryMonths, platform.log).stop,
          // Refunds left pending (a crash between reserving and recording, a provider still processing) are completed.
          startRefundPoll(platform.payment, (t) => platform.log.info({ refunds: t }, 'pending refunds polled')),
          // Yesterday's operations figures (DB33 8.1.2), signed for upstreams to fetch, at 01:00.
          startOperationsReports(
            {
              database: platform.database,
              crypto: platform.crypto,
              catalog: { id: config.catalogId, upstreamHosts: config.upstreamHosts },
            },
            (err) => platform.log.warn({ err }, 'operations report failed; will retry tomorrow or at restart'),
          ),
          // …and pushed to every followed upstream, failures retried with backoff (each attempt recorded).
          startReportDelivery(
            {
              database: platform.database,
              crypto: platform.crypto,
              catalog: { id: config.catalogId, upstreamHosts: config.upstreamHosts },
            },
            (err) => platform.log.warn({ err }, 'operations report delivery failed; will retry'),
          ),
        ]
      : [];
  platform.log.info({ role, db: platform.database.kind, bus: platform.bus.kind }, 'started');
  const simulator = iot ? await startSimulator(platform, iot) : undefined;
  printWelcome(config, platform.seeded, iot);
  if (simulator)
    console.log(
      `Device simulator: ${config.simulatorRate} message(s)/s in the demo community (SHEQU_SIMULATOR=off stops it)\n`,
    );
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    web?.kill('SIGTERM');
    await server?.close();
    await bookingSweep?.stop();
    await contractSweep?.stop();
    await messageDispatch?.stop();
    for (const stop of daily) await stop();
    // Devices and rules first: a rule may still call an app while it winds down.
    await simulator?.stop();
    iot?.schedules.stop();
    iot?.maintenance.stop();
    await iot?.ruleSub.stop();
    await upstreamSync?.stop();
    await rolloutChecks?.stop();
    await killListener?.stop();
    await eventLoop?.alarms.stop();
    await eventLoop?.passes.stop();
    await eventLoop?.warehouse.stop();
    await eventLoop?.situations.stop();
    await eventLoop?.situationClosures.stop();
    await eventLoop?.earnings.stop();
    await eventLoop?.sla.stop();
    await plugins?.close();
    await iot?.lifecycle?.stop();
    await iot?.http?.ingest.close();
    await iot?.coap?.ingest.close();
    await iot?.iot.stop();
    await iot?.codecPool.close();
    // Processes sharing a port leave the file: the others still answer at its address with its token (a stale file
    // only gets a refused connection, and the next start makes a new token).
    if (!config.apiReusePort) removeRuntime(config.dataDir, process.pid);
    await platform.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  web?.once('exit', (code) => {
    if (!stopping) {
      console.error(`the web server exited (code ${code}); stopping`);
      void shutdown(1);
    }
  });
}
