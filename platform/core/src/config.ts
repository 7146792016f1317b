import { resolve } from 'node:path';
import { paymentVariables } from './payment/providers/env.ts';

export interface Config {
  dataDir: string;
  logDir: string;
  databaseUrl?: string;
  natsUrl?: string;
  port: number;
  apiPort: number;
  /**
   * Several API processes on one host share `apiPort` (SO_REUSEPORT; the kernel spreads connections over them).
   * Needs PostgreSQL: the embedded database has a single owner.
   */
  apiReusePort: boolean;
  host: string;
  masterKey?: string;
  fieldCipher: 'aes-256-gcm' | 'sm4';
  sessionTtlHours: number;
  oidc?: { issuer: string; clientId: string; clientSecret: string; redirectUri: string };
  logLevel: string;
  publicUrl?: string;
  /** Sandbox processes running plugin handlers in each API process. */
  pluginWorkers: number;
  /** MQTT for devices and application accounts; 1884 by default because Mosquitto often holds 1883. */
  mqttPort: number;
  /** Refuse device credentials whose signed timestamp is further than this from the platform clock (off when unset). */
  mqttMaxSkewSeconds?: number;
  /** Seconds a device may be gone before it counts as offline (reconnects within it do not flap). */
  mqttOfflineDebounceSeconds: number;
  /** Products whose raw-data codec isolate stays warm in the codec sandbox (least recently used beyond it unload). */
  codecMaxWarm: number;
  /** Days raw IoT telemetry is kept; hourly and daily roll-ups stay. */
  iotRawRetentionDays: number;
  /** Months points stay valid; 0 keeps them for ever. */
  pointsExpiryMonths: number;
  /** MQTT over TLS, when a port, certificate and key are all configured. */
  mqtts?: { port: number; certPath: string; keyPath: string };
  /** Device HTTP(S) listener (`/auth`, `/topic/…`); undefined when `off`. */
  iotHttpPort?: number;
  /** HTTPS for the device HTTP listener: its own PEM files, else the MQTTS ones; plain HTTP without either. */
  iotHttpTls?: { certPath: string; keyPath: string };
  /** Device CoAP listener (UDP); undefined when `off`. */
  coapPort?: number;
  /** CoAP over DTLS 1.2 with PSK (`coaps://`); off unless `SHEQU_COAPS_PORT` is set (`0` a free port). */
  coapsPort?: number;
  /** The demo community's simulated devices, in messages per second over all devices; undefined when off. */
  simulatorRate?: number;
  /** The sandbox payment provider (payments without real money, for demos and tests); `SHEQU_PAYMENT_SANDBOX=off` in production. */
  paymentSandbox: boolean;
  /**
   * The WeChat Pay, Alipay and UnionPay credentials that are set (`SHEQU_PAY_WECHAT_*`, `SHEQU_PAY_ALIPAY_*`,
   * `SHEQU_PAY_UNIONPAY_*`, listed in `paymentEnv`): variable → value. A provider missing any of its variables stays
   * unconfigured and refuses every call, naming the missing variables.
   */
  paymentProviders: Record<string, string>;
  /** This instance's marketplace catalog id in federation indexes (`SHEQU_CATALOG_ID`, e.g. `zj-province`). */
  catalogId: string;
  /** Hosts a catalog may follow (`SHEQU_UPSTREAM_HOSTS`, comma separated; `*` allows any HTTPS host). */
  upstreamHosts: string[];
  /** Seconds between upstream catalog syncs (`SHEQU_UPSTREAM_SYNC_SECONDS`, 0 turns the job off). */
  upstreamSyncSeconds: number;
  /** Seconds between checks of active staged upgrades for automatic rollback (`SHEQU_ROLLOUT_CHECK_SECONDS`). */
  rolloutCheckSeconds: number;
  /** Hours published events stay in the outbox before the relay deletes them (`SHEQU_OUTBOX_RETENTION_HOURS`, 0 keeps). */
  outboxRetentionHours: number;
  /** Hours the NATS stream keeps an event (`SHEQU_BUS_RETENTION_HOURS`, default a week, 0: no age limit). */
  busRetentionHours: number;
  /** Minutes since a situation's last detection within which a repeat extends it (`SHEQU_SITUATION_WINDOW_MINUTES`). */
  situationWindowMinutes: number;
}

function catalogId(env: NodeJS.ProcessEnv): string {
  const raw = env.SHEQU_CATALOG_ID || 'local';
  if (!/^[a-z0-9][a-z0-9.-]{0,62}$/.test(raw))
    throw new ConfigError('SHEQU_CATALOG_ID', `must be lowercase letters, digits, dots and dashes, got "${raw}"`);
  return raw;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`configuration error: ${variable} ${problem}`);
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(name, `must be a port number 0–65535, got "${raw}"`);
  return n;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(name, `must be a positive number, got "${raw}"`);
  return n;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(u.protocol))
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${u.protocol}`);
  return raw;
}

/** A port that may also be `off`. */
function optionalPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number | undefined {
  return env[name] === 'off' ? undefined : port(env, name, fallback);
}

function simulatorRate(env: NodeJS.ProcessEnv): number | undefined {
  const mode = env.SHEQU_SIMULATOR || 'on';
  if (mode !== 'on' && mode !== 'off') throw new ConfigError('SHEQU_SIMULATOR', `must be on or off, got "${mode}"`);
  if (mode === 'off') return undefined;
  const rate = positive(env, 'SHEQU_SIMULATOR_RATE') ?? 1;
  if (rate > 1000) throw new ConfigError('SHEQU_SIMULATOR_RATE', `must be at most 1000 messages per second`);
  return rate;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: 'on' | 'off'): boolean {
  const mode = env[name] || fallback;
  if (mode !== 'on' && mode !== 'off') throw new ConfigError(name, `must be on or off, got "${mode}"`);
  return mode === 'on';
}

function iotHttpTls(env: NodeJS.ProcessEnv, mqtts: Config['mqtts']): Config['iotHttpTls'] {
  const cert = env.SHEQU_IOT_HTTP_CERT;
  const key = env.SHEQU_IOT_HTTP_KEY;
  if (cert || key) {
    if (!cert)
      throw new ConfigError('SHEQU_IOT_HTTP_CERT', 'is required when SHEQU_IOT_HTTP_KEY is set (PEM file path)');
    if (!key)
      throw new ConfigError('SHEQU_IOT_HTTP_KEY', 'is required when SHEQU_IOT_HTTP_CERT is set (PEM file path)');
    return { certPath: resolve(cert), keyPath: resolve(key) };
  }
  return mqtts && { certPath: mqtts.certPath, keyPath: mqtts.keyPath };
}

/** Parses the environment once at start-up; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.SHEQU_DATA_DIR || '.data');
  const cipher = env.SHEQU_FIELD_CIPHER || 'aes-256-gcm';
  if (cipher !== 'aes-256-gcm' && cipher !== 'sm4')
    throw new ConfigError('SHEQU_FIELD_CIPHER', `must be aes-256-gcm or sm4, got "${cipher}"`);
  const ttl = Number(env.SHEQU_SESSION_TTL_HOURS || 12);
  if (!Number.isFinite(ttl) || ttl <= 0) throw new ConfigError('SHEQU_SESSION_TTL_HOURS', 'must be a positive number');
  const issuer = url(env, 'SHEQU_OIDC_ISSUER', ['http:', 'https:']);
  let oidc: Config['oidc'];
  if (issuer) {
    for (const v of ['SHEQU_OIDC_CLIENT_ID', 'SHEQU_OIDC_CLIENT_SECRET', 'SHEQU_OIDC_REDIRECT_URI']) {
      if (!env[v]) throw new ConfigError(v, 'is required when SHEQU_OIDC_ISSUER is set');
    }
    oidc = {
      issuer,
      clientId: env.SHEQU_OIDC_CLIENT_ID!,
      clientSecret: env.SHEQU_OIDC_CLIENT_SECRET!,
      redirectUri: url(env, 'SHEQU_OIDC_REDIRECT_URI', ['http:', 'https:'])!,
    };
  }
  const level = env.SHEQU_LOG_LEVEL || 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    throw new ConfigError('SHEQU_LOG_LEVEL', `must be one of trace, debug, info, warn, error, fatal, silent`);
  }
  let mqtts: Config['mqtts'];
  if (env.SHEQU_MQTTS_PORT) {
    for (const v of ['SHEQU_MQTTS_CERT', 'SHEQU_MQTTS_KEY']) {
      if (!env[v]) throw new ConfigError(v, 'is required when SHEQU_MQTTS_PORT is set (PEM file path)');
    }
    mqtts = {
      port: port(env, 'SHEQU_MQTTS_PORT', 8883),
      certPath: resolve(env.SHEQU_MQTTS_CERT!),
      keyPath: resolve(env.SHEQU_MQTTS_KEY!),
    };
  }
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const apiReusePort = onOff(env, 'SHEQU_API_REUSE_PORT', 'off');
  if (apiReusePort && !databaseUrl)
    throw new ConfigError('SHEQU_API_REUSE_PORT', 'needs DATABASE_URL: the embedded database has a single owner');
  return {
    dataDir,
    logDir: resolve(env.SHEQU_LOG_DIR || resolve(dataDir, 'logs')),
    databaseUrl,
    natsUrl: url(env, 'NATS_URL', ['nats:', 'tls:', 'ws:', 'wss:']),
    port: port(env, 'PORT', 3000),
    apiPort: port(env, 'SHEQU_API_PORT', 3001),
    apiReusePort,
    host: env.SHEQU_HOST || '127.0.0.1',
    masterKey: env.SHEQU_MASTER_KEY || undefined,
    fieldCipher: cipher,
    sessionTtlHours: ttl,
    oidc,
    logLevel: level,
    publicUrl: url(env, 'SHEQU_PUBLIC_URL', ['http:', 'https:']),
    pluginWorkers: count(env, 'SHEQU_PLUGIN_WORKERS', 2, 1, 32),
    mqttPort: port(env, 'SHEQU_MQTT_PORT', 1884),
    mqttMaxSkewSeconds: positive(env, 'SHEQU_MQTT_MAX_SKEW_SECONDS'),
    mqttOfflineDebounceSeconds: count(env, 'SHEQU_MQTT_OFFLINE_DEBOUNCE_SECONDS', 5, 0, 600),
    codecMaxWarm: count(env, 'SHEQU_CODEC_MAX_WARM', 128, 1, 100_000),
    iotRawRetentionDays: count(env, 'SHEQU_IOT_RAW_RETENTION_DAYS', 90, 1, 3650),
    pointsExpiryMonths: count(env, 'SHEQU_POINTS_EXPIRY_MONTHS', 24, 0, 600),
    mqtts,
    iotHttpPort: optionalPort(env, 'SHEQU_IOT_HTTP_PORT', 1886),
    iotHttpTls: iotHttpTls(env, mqtts),
    coapPort: optionalPort(env, 'SHEQU_COAP_PORT', 5683),
    coapsPort: env.SHEQU_COAPS_PORT && env.SHEQU_COAPS_PORT !== 'off' ? port(env, 'SHEQU_COAPS_PORT', 5684) : undefined,
    simulatorRate: simulatorRate(env),
    paymentSandbox: onOff(env, 'SHEQU_PAYMENT_SANDBOX', 'on'),
    paymentProviders: paymentVariables(env),
    catalogId: catalogId(env),
    upstreamHosts: (env.SHEQU_UPSTREAM_HOSTS || '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    upstreamSyncSeconds: count(env, 'SHEQU_UPSTREAM_SYNC_SECONDS', 60, 0, 86400),
    rolloutCheckSeconds: count(env, 'SHEQU_ROLLOUT_CHECK_SECONDS', 30, 1, 3600),
    outboxRetentionHours: count(env, 'SHEQU_OUTBOX_RETENTION_HOURS', 24, 0, 24 * 365),
    busRetentionHours: count(env, 'SHEQU_BUS_RETENTION_HOURS', 168, 0, 24 * 365),
    situationWindowMinutes: count(env, 'SHEQU_SITUATION_WINDOW_MINUTES', 10, 1, 1440),
  };
}
