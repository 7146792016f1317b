import { createHash } from 'node:crypto';
import { type AuditEntry, appendAudit, type FieldCrypto, type Logger, verifyPassword } from '@shequ/core';
import { type Database, devices, mqttAccounts } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { topicMatches } from '../alink/topics.ts';
import type { ProductCodecs } from '../codec/product-codecs.ts';
import { ConnectLimiter, NegativeCache } from '../gateway/rate-limit.ts';
import { defaultLimits, type ParseLimits, parsePost } from '../ingest/parse-post.ts';
import type { TelemetryWriter } from '../ingest/writer.ts';
import { NetworkServers } from '../lorawan/network-servers.ts';
import { NetworkPresence } from '../lorawan/presence.ts';
import { devicesWithModel } from '../registry/devices-repo.ts';
import { type IngestAnswer, ingestCodes } from './device-ingest.ts';

export interface LorawanIngestOptions {
  database: Database;
  writer: TelemetryWriter;
  codecs: ProductCodecs;
  log?: Logger;
  limits?: Partial<ParseLimits>;
  /** The communities' network-server connections (their silence windows); made from `crypto` when not given. */
  networkServers?: NetworkServers;
  crypto?: FieldCrypto;
  /** Silence after which a device heard only through the network server goes offline, for every community (tests). */
  offlineAfterMs?: number;
  /** Called after an online/offline change was committed to the outbox (the platform kicks its relay). */
  onStateCommitted?: () => void;
}

/** The application account a network server signs in with (an MQTT application account, reused). */
interface Integration {
  username: string;
  communityId: string;
  productKeys: string[];
  topics: string[];
}

const fail = (status: number, code: number, message: string): IngestAnswer => ({ status, body: { code, message } });
const devEuiRe = /^[0-9a-f]{16}$/;
const VERIFIED_MS = 60_000;

/** The credential of a request: `Authorization: Basic base64(user:password)` or `X-Shequ-Token: user:password`. */
export function integrationCredential(headers: Record<string, string | string[] | undefined>) {
  const auth = headers.authorization;
  let pair: string | undefined;
  if (typeof auth === 'string' && auth.startsWith('Basic ')) pair = Buffer.from(auth.slice(6), 'base64').toString();
  else if (typeof headers['x-shequ-token'] === 'string') pair = headers['x-shequ-token'];
  const i = pair?.indexOf(':') ?? -1;
  if (!pair || i <= 0) return undefined;
  return { username: pair.slice(0, i), password: pair.slice(i + 1) };
}

/**
 * LoRaWAN through a network server: ChirpStack v4's HTTP integration (JSON marshaler) posts each device event to
 * `/lorawan/chirpstack?event=…`. An `up` event's DevEUI names the device (attribute `devEui`), its `data` (base64
 * FRMPayload) goes through the product codec with the frame port, and the Alink post it decodes to takes the same
 * checks, writer and bus as any other uplink. Other events are acknowledged and not stored.
 */
export class LorawanIngest {
  readonly #o: LorawanIngestOptions;
  readonly #limits: ParseLimits;
  /** Online while uplinks keep coming; offline after the silence window. */
  readonly presence: NetworkPresence;
  readonly #verified = new Map<string, { at: number; integration: Integration }>();
  readonly #negative = new NegativeCache(60_000);
  // One network server sends every device's uplinks from one address: the per-address limit is generous.
  readonly #limiter = new ConnectLimiter({ burst: 2000, perSecond: 1000 }, { burst: 5000, perSecond: 2000 });

  constructor(o: LorawanIngestOptions) {
    this.#o = o;
    this.#limits = { ...defaultLimits, ...o.limits };
    this.presence = new NetworkPresence({
      database: o.database,
      servers: o.networkServers ?? (o.crypto && new NetworkServers({ db: o.database.db, crypto: o.crypto })),
      offlineAfterMs: o.offlineAfterMs,
      onStateCommitted: o.onStateCommitted,
      log: o.log,
    });
  }

  /** Devices heard here go offline; waits until that is stored. */
  close(): Promise<void> {
    return this.presence.close();
  }

  async chirpstack(
    headers: Record<string, string | string[] | undefined>,
    event: string | null,
    body: Buffer,
    ip: string | null,
  ): Promise<IngestAnswer> {
    if (!this.#limiter.allow(ip ?? 'unknown')) return fail(429, ingestCodes.TOO_MANY, 'too many requests, retry later');
    const cred = integrationCredential(headers);
    const integration = cred && (await this.#authenticate(cred.username, cred.password));
    const audit = (result: AuditEntry['result'], reason: string, detail: Record<string, unknown> = {}) =>
      this.#audit({
        subject: integration ? `mqtt-account:${integration.username}` : `lorawan:${cred?.username ?? 'anonymous'}`,
        action: 'iot.lorawan.uplink',
        communityId: integration?.communityId,
        result,
        sourceIp: ip,
        detail: { reason, ...detail },
      });
    if (!integration) {
      await audit('failure', cred ? 'bad credentials' : 'no credentials');
      return fail(401, ingestCodes.AUTH_FAILED, 'integration credentials missing or wrong');
    }
    if (event !== 'up')
      return { status: 200, body: { code: ingestCodes.OK, message: `event ${event ?? '?'} ignored` } };
    const up = parseUplink(body);
    if (typeof up === 'string') {
      await audit('failure', up);
      return fail(400, ingestCodes.BAD_REQUEST, up);
    }
    const device = await this.#device(up.devEui);
    const ownTopic = device && `/sys/${device.productKey}/${device.deviceName}/thing/model/up_raw`;
    if (!device || device.communityId !== integration.communityId) {
      await audit('failure', 'unknown DevEUI', { devEui: up.devEui });
      return fail(404, ingestCodes.BAD_REQUEST, `no device with DevEUI ${up.devEui}`);
    }
    const detail = { devEui: up.devEui, productKey: device.productKey, deviceName: device.deviceName, fPort: up.fPort };
    const granted =
      (integration.productKeys.length === 0 || integration.productKeys.includes(device.productKey)) &&
      integration.topics.some((p) => topicMatches(p, ownTopic!));
    if (!granted || !device.enabled) {
      await audit('denied', device.enabled ? 'topic not granted to the integration' : 'device disabled', detail);
      return fail(
        403,
        ingestCodes.TOPIC_DENIED,
        device.enabled ? 'device not granted to this integration' : 'device disabled',
      );
    }
    const decoded = await this.#o.codecs.decodeUplink(device.productKey, device.deviceName, up.bytes, {
      transport: 'lorawan',
      fPort: up.fPort,
      devEui: up.devEui,
    });
    if (!decoded.ok) {
      await audit('failure', decoded.reply.message, detail);
      const status = decoded.reply.code === 503 ? 503 : 422;
      return { status, body: decoded.reply };
    }
    const r = parsePost(decoded.topic, decoded.payload, device.thingModel, Date.now(), this.#limits);
    if (!r.ok) {
      await audit('failure', r.reply.message, detail);
      return { status: r.reply.code === 413 ? 413 : 422, body: r.reply };
    }
    try {
      await this.#o.writer.write(
        {
          deviceId: device.id,
          communityId: device.communityId,
          productKey: device.productKey,
          deviceName: device.deviceName,
        },
        r.uplink,
      );
    } catch (err) {
      this.#o.log?.error({ err }, 'telemetry write failed');
      return { status: 503, body: { id: r.uplink.id, code: 503, message: 'storage unavailable', data: {} } };
    }
    await this.presence.seen(device);
    return { status: 200, body: { id: r.uplink.id, code: 200, message: 'success', data: {} } };
  }

  async #authenticate(username: string, password: string): Promise<Integration | undefined> {
    const key = createHash('sha256').update(`${username}\0${password}`).digest('base64url');
    const hit = this.#verified.get(key);
    if (hit && Date.now() - hit.at < VERIFIED_MS) return hit.integration;
    if (this.#negative.has(key)) return undefined;
    const [a] = await this.#o.database.db.select().from(mqttAccounts).where(eq(mqttAccounts.username, username));
    if (!a?.enabled || !(await verifyPassword(password, a.passwordHash))) {
      this.#negative.add(key);
      return undefined;
    }
    const integration = { username, communityId: a.communityId, productKeys: a.productKeys, topics: a.topics };
    if (this.#verified.size > 1000) this.#verified.clear();
    this.#verified.set(key, { at: Date.now(), integration });
    return integration;
  }

  /** A disabled or deleted device goes offline at once. */
  endDevice(deviceId: string, reason: string): void {
    this.presence.end(deviceId, reason);
  }

  /** Forgets verified credentials (an account was disabled). */
  forget(): void {
    this.#verified.clear();
  }

  async #device(devEui: string) {
    const [row] = await devicesWithModel(this.#o.database.db, eq(devices.devEui, devEui));
    return row;
  }

  async #audit(e: AuditEntry) {
    try {
      await appendAudit(this.#o.database.db, e);
    } catch (err) {
      this.#o.log?.error({ err }, 'lorawan audit failed');
    }
  }
}

/** The fields of a ChirpStack v4 `up` event this ingest uses; a string says what is wrong. */
export function parseUplink(body: Buffer): { devEui: string; fPort: number; bytes: Buffer } | string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'body is not JSON (set the integration to the JSON marshaler)';
  }
  const b = json as { deviceInfo?: { devEui?: unknown }; fPort?: unknown; data?: unknown };
  const devEui = typeof b?.deviceInfo?.devEui === 'string' ? b.deviceInfo.devEui.toLowerCase() : '';
  if (!devEuiRe.test(devEui)) return 'deviceInfo.devEui must be 16 hex digits';
  const fPort = b.fPort === undefined ? 0 : b.fPort;
  if (typeof fPort !== 'number' || !Number.isInteger(fPort) || fPort < 0 || fPort > 255)
    return 'fPort must be an integer 0–255';
  if (typeof b.data !== 'string' || b.data === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b.data))
    return 'data must be the base64 FRMPayload (an uplink without payload carries nothing to store)';
  return { devEui, fPort, bytes: Buffer.from(b.data, 'base64') };
}
