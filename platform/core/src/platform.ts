import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bus, MemoryBus, NatsBus, OutboxRelay } from '@shequ/bus';
import { acquireDataDirLock, type Database, type DataDirLock, migrate, openPglite, openPostgres } from '@shequ/db';
import type { Config } from './config.ts';
import { FieldCrypto } from './crypto/field-crypto.ts';
import { type Keyring, loadOrCreateLocalKey, parseKeyring } from './crypto/keyring.ts';
import { type PlatformCa, platformCa } from './esign/ca.ts';
import { AuthService } from './identity/auth-service.ts';
import { createLogger, flushLogger, type Logger } from './logging.ts';
import {
  type ChannelAdapter,
  type ChannelKind,
  devSinks,
  LogChannel,
  type MessageChannel,
} from './messaging/channel.ts';
import { createPaymentDeps, type PlatformPayment } from './payment/setup.ts';
import { seedDemo } from './tenancy/seed.ts';

export const version: string = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
).version;

/** Everything a process role needs, opened once at start-up and closed in reverse order. */
export interface Platform {
  config: Config;
  version: string;
  log: Logger;
  database: Database;
  bus: Bus;
  relay: OutboxRelay;
  keyring: Keyring;
  crypto: FieldCrypto;
  channel: MessageChannel;
  /** Adapters of the message service's outside channels (development sinks unless providers are configured). */
  messageAdapters: Record<Exclude<ChannelKind, 'in_app'>, ChannelAdapter>;
  auth: AuthService;
  /** The payment service: sandbox and provider adapters (unconfigured unless credentials are given). */
  payment: PlatformPayment;
  /** The e-signature certificate authority and time-stamp authority (created at first start, then loaded). */
  esignCa: () => Promise<PlatformCa>;
  seeded: boolean;
  close(): Promise<void>;
}

export interface OpenOptions {
  role?: string;
  seed?: boolean;
  /** Injected for tests. */
  channel?: MessageChannel;
  messageAdapters?: Record<Exclude<ChannelKind, 'in_app'>, ChannelAdapter>;
}

function keyringFor(config: Config, log: Logger): Keyring {
  if (config.masterKey) return parseKeyring(config.masterKey, process.env.SHEQU_INDEX_KEY_ID);
  const { spec, created } = loadOrCreateLocalKey(join(config.dataDir, 'master.key'));
  if (created) {
    const msg = `SHEQU_MASTER_KEY is not set: generated a master key into ${join(config.dataDir, 'master.key')}. Back it up; set SHEQU_MASTER_KEY in production.`;
    log.warn(msg);
    console.warn(`warning: ${msg}`);
  }
  return parseKeyring(spec, process.env.SHEQU_INDEX_KEY_ID);
}

/**
 * Opens the database (PGlite in the data dir, under a lock, or PostgreSQL from DATABASE_URL), applies migrations,
 * connects the bus (NATS from NATS_URL or in-process), starts the outbox relay and, on first start, seeds the demo.
 */
export async function openPlatform(config: Config, opts: OpenOptions = {}): Promise<Platform> {
  const log = createLogger(config.logDir, config.logLevel, opts.role ?? 'shequ');
  const closers: Array<() => Promise<void> | void> = [];
  try {
    let lock: DataDirLock | undefined;
    let database: Database;
    if (config.databaseUrl) {
      database = await openPostgres(config.databaseUrl);
    } else {
      lock = acquireDataDirLock(config.dataDir);
      closers.push(() => lock?.release());
      database = await openPglite(join(config.dataDir, 'pglite'));
    }
    closers.push(() => database.close());
    await migrate(database);
    const keyring = keyringFor(config, log);
    const crypto = new FieldCrypto(keyring, config.fieldCipher);
    const bus: Bus = config.natsUrl
      ? await NatsBus.connect(config.natsUrl, { maxAgeSeconds: config.busRetentionHours * 3600 })
      : new MemoryBus();
    closers.push(() => bus.close());
    const relay = new OutboxRelay(database, bus, {
      retentionHours: config.outboxRetentionHours,
      onError: (err) => log.warn({ err }, 'outbox relay: publish failed, will retry'),
    });
    relay.start();
    closers.push(() => relay.stop());
    const seeded = opts.seed === false ? false : (await seedDemo(database.db, crypto)).created;
    const channel = opts.channel ?? new LogChannel(log);
    const auth = new AuthService({ database, crypto, channel, log, sessionTtlHours: config.sessionTtlHours });
    const close = async () => {
      for (const c of closers.reverse()) await c();
      flushLogger(log);
    };
    // No SMS or push provider is configured yet: every outside channel goes to a development sink.
    const messageAdapters = opts.messageAdapters ?? devSinks();
    const payment = createPaymentDeps(database.db, {
      sandbox: config.paymentSandbox,
      publicUrl: config.publicUrl,
      providerEnv: config.paymentProviders,
    });
    // The CA is created on the first start (an advisory lock keeps two processes from both creating it).
    const ca = platformCa(database.db, crypto);
    await ca;
    const esignCa = () => ca;
    return {
      config,
      version,
      log,
      database,
      bus,
      relay,
      keyring,
      crypto,
      channel,
      messageAdapters,
      auth,
      payment,
      esignCa,
      seeded,
      close,
    };
  } catch (err) {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
    throw err;
  }
}
