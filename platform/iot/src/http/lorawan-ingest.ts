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
 * checks, writer and bus as any other uplink. Other events are acknowledged and not stored. The Things Stack v3's
 * webhook (`/lorawan/tts`, `end_device_ids.dev_eui`, `uplink_message.f_port` and `.frm_payload`) takes the same path
 * with the same application-account credentials; only the parsing differs.
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

  /** ChirpStack v4's HTTP integration: `POST /lorawan/chirpstack?event=up|join|…`. */
  chirpstack(
    headers: Record<string, string | string[] | undefined>,
    event: string | null,
    body: Buffer,
    ip: string | null,
  ): Promise<IngestAnswer> {
    return this.#uplink('chirpstack', headers, ip, () =>
      event === 'up' ? parseUplink(body) : { ignored: `event ${event ?? '?'} ignored` },
    );
  }

  /** The Things Stack v3's webhook: `POST /lorawan/tts` (uplink messages; the others are acknowledged and dropped). */
  tts(headers: Record<string, string | string[] | undefined>, body: Buffer, ip: string | null): Promise<IngestAnswer> {
    return this.#uplink('tts', headers, ip, () => parseTtsUplink(body));
  }

  /** One uplink from a network server, whatever its format: account, device, codec, thing model, writer, presence. */
  async #uplink(
    server: 'chirpstack' | 'tts',
    headers: Record<string, string | string[] | undefined>,
    ip: string | null,
    parse: () => LorawanUplink | string | { ignored: string },
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
        detail: { reason, server, ...detail },
      });
    if (!integration) {
      await audit('failure', cred ? 'bad credentials' : 'no credentials');
      return fail(401, ingestCodes.AUTH_FAILED, 'integration credentials missing or wrong');
    }
    const up = parse();
    if (typeof up === 'object' && 'ignored' in up)
      return { status: 200, body: { code: ingestCodes.OK, message: up.ignored } };
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

/** What an uplink from a network server carries: the device, the frame port and the application payload. */
export interface LorawanUplink {
  devEui: string;
  fPort: number;
  bytes: Buffer;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Checks the three fields, named as the network server names them; a string says what is wrong. */
function uplinkOf(
  devEuiRaw: unknown,
  fPortRaw: unknown,
  data: unknown,
  names: { devEui: string; fPort: string; data: string },
): LorawanUplink | string {
  const devEui = typeof devEuiRaw === 'string' ? devEuiRaw.toLowerCase() : '';
  if (!devEuiRe.test(devEui)) return `${names.devEui} must be 16 hex digits`;
  const fPort = fPortRaw === undefined ? 0 : fPortRaw;
  if (typeof fPort !== 'number' || !Number.isInteger(fPort) || fPort < 0 || fPort > 255)
    return `${names.fPort} must be an integer 0–255`;
  if (typeof data !== 'string' || data === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data))
    return `${names.data} must be the base64 FRMPayload (an uplink without payload carries nothing to store)`;
  return { devEui, fPort, bytes: Buffer.from(data, 'base64') };
}

/** The fields of a ChirpStack v4 `up` event this ingest uses; a string says what is wrong. */
export function parseUplink(body: Buffer): LorawanUplink | string {
  const b = parseJson(body) as { deviceInfo?: { devEui?: unknown }; fPort?: unknown; data?: unknown } | undefined;
  if (b === undefined) return 'body is not JSON (set the integration to the JSON marshaler)';
  return uplinkOf(b?.deviceInfo?.devEui, b?.fPort, b?.data, {
    devEui: 'deviceInfo.devEui',
    fPort: 'fPort',
    data: 'data',
  });
}

/**
 * The fields of a The Things Stack v3 webhook message this ingest uses: `end_device_ids.dev_eui`,
 * `uplink_message.f_port` and `.frm_payload`. A message without `uplink_message` (join accept, downlink events…) is
 * ignored; a string says what is wrong.
 */
export function parseTtsUplink(body: Buffer): LorawanUplink | string | { ignored: string } {
  const b = parseJson(body) as
    | { end_device_ids?: { dev_eui?: unknown }; uplink_message?: { f_port?: unknown; frm_payload?: unknown } }
    | undefined;
  if (b === undefined || typeof b !== 'object' || b === null) return 'body is not a JSON object';
  if (b.uplink_message === undefined) return { ignored: 'not an uplink message, ignored' };
  return uplinkOf(b.end_device_ids?.dev_eui, b.uplink_message?.f_port, b.uplink_message?.frm_payload, {
    devEui: 'end_device_ids.dev_eui',
    fPort: 'uplink_message.f_port',
    data: 'uplink_message.frm_payload',
  });
}
