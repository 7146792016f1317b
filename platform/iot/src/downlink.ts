import { AppError, appendAudit } from '@shequ/core';
import { type Database, devices, type Executor, shadows } from '@shequ/db';
import { checkProperties, checkValue, type ThingModel } from '@shequ/schemas';
import { eq, sql } from 'drizzle-orm';
import type { ProductCodecs } from './codec/product-codecs.ts';
import type { DeviceSession } from './gateway/authenticator.ts';
import type { MqttGateway } from './gateway/mqtt-gateway.ts';
import {
  DEFAULT_DOWNLINK_FPORT,
  type NetworkServer,
  type NetworkServers,
  queueDownlink,
} from './lorawan/network-servers.ts';
import type { DeviceIdentity } from './registry/devices-repo.ts';

export interface CommandResult {
  id: string;
  /** Sent to a live session; false when the device is offline (a property set then waits in the shadow). */
  delivered: boolean;
  /** The device's `_reply`, for sync calls and property sets that waited for one. */
  reply?: { code: number; message?: string; data?: unknown };
  /** Queued on the community's LoRaWAN network server (sent in the device's next receive window), not over MQTT. */
  via?: 'chirpstack' | 'tts';
}

const invalidParams = (errors: Array<{ path: string; message: string }>) =>
  new AppError('INVALID_INPUT', {
    zh: '参数不符合物模型',
    en: 'The parameters do not fit the thing model',
    fieldErrors: Object.fromEntries(errors.map((e) => [e.path || 'params', [e.message]])),
  });

type Target = Pick<DeviceIdentity, 'id' | 'communityId' | 'productKey' | 'deviceName'>;
type QueuedCommand = { kind: 'set' | 'service'; service?: string; params: Record<string, unknown> };

const codecFailed = (e: { kind: string; message: string }) =>
  new AppError('PLUGIN_FAILED', {
    zh: `产品数据解析脚本无法编码下行消息（${e.kind}）：${e.message}`,
    en: `The product's codec could not encode the downlink (${e.kind}): ${e.message}`,
  });

/** Checks a property set against the model: writable properties only, values in range. */
export function checkSet(model: ThingModel, params: Record<string, unknown>): void {
  const errors = checkProperties(model, params, true);
  if (errors.length) throw invalidParams(errors);
}

/** Checks a service call against the model; answers the service definition. */
export function checkService(model: ThingModel, service: string, params: Record<string, unknown>) {
  const def = model.services.find((s) => s.identifier === service);
  if (!def) throw invalidParams([{ path: 'service', message: `no service "${service}" in the model` }]);
  const errors = checkValue({ type: 'struct', specs: def.inputData }, params, 'params');
  if (errors.length) throw invalidParams(errors);
  return def;
}

/** Merges wanted values into the shadow's `desired`: what a device gets when it comes back. */
export async function storeDesired(ex: Executor, d: Target, params: Record<string, unknown>): Promise<void> {
  await ex.execute(sql`
    insert into iot.shadows (device_id, community_id, desired) values (${d.id}, ${d.communityId}, ${JSON.stringify(params)}::jsonb)
    on conflict (device_id) do update set desired = iot.shadows.desired || excluded.desired,
      version = iot.shadows.version + 1, updated_at = now()`);
}

/**
 * Downlink: property sets and service calls, checked against the thing model first. A sync call waits for the
 * device's `_reply` up to a timeout; a property set is also written to the shadow's `desired`, so a device that
 * is offline gets it when it reconnects.
 */
export class Downlink {
  readonly #database: Database;
  readonly #gateway: MqttGateway;
  readonly #codecs: ProductCodecs;
  readonly #servers: NetworkServers | undefined;
  readonly #waiting = new Map<string, (r: CommandResult['reply']) => void>();
  #seq = 0;

  constructor(database: Database, gateway: MqttGateway, servers?: NetworkServers) {
    this.#database = database;
    this.#gateway = gateway;
    this.#codecs = gateway.codecs;
    this.#servers = servers;
  }

  /**
   * How a device without a live MQTT session is reached: through its community's LoRaWAN network server when it has
   * a DevEUI, its product a codec and the community an enabled connection; otherwise not at all (undefined).
   */
  async #lorawanRoute(d: Target): Promise<{ devEui: string; server: NetworkServer } | undefined> {
    if (!this.#servers) return undefined;
    const [row] = await this.#database.db.select({ devEui: devices.devEui }).from(devices).where(eq(devices.id, d.id));
    if (!row?.devEui || !(await this.#codecs.hasCodec(d.productKey))) return undefined;
    const server = await this.#servers.forCommunity(d.communityId);
    return server?.enabled ? { devEui: row.devEui, server } : undefined;
  }

  /** Encodes a command with the product codec and queues it on the network server; audited either way. */
  async #sendLorawan(
    d: Target,
    route: { devEui: string; server: NetworkServer },
    method: string,
    params: Record<string, unknown>,
  ): Promise<CommandResult> {
    const id = this.#nextId();
    const raw = await this.#codecs.encode(d.productKey, { id, version: '1.0', params, method });
    if (!raw.ok) throw codecFailed(raw.error);
    if (!raw.value)
      throw new AppError('PLUGIN_FAILED', {
        zh: '产品数据解析脚本未编码此下行消息（protocolToRawData 返回 null），LoRaWAN 设备只能接收字节',
        en: 'The product codec did not encode this downlink (protocolToRawData answered null); a LoRaWAN device only takes bytes',
      });
    const fPort = raw.fPort ?? DEFAULT_DOWNLINK_FPORT;
    const detail = {
      productKey: d.productKey,
      deviceName: d.deviceName,
      devEui: route.devEui,
      server: route.server.baseUrl,
      method,
      id,
      fPort,
      bytes: raw.value.length,
    };
    const audit = (result: 'success' | 'failure', extra: Record<string, unknown>) =>
      appendAudit(this.#database.db, {
        subject: 'iot.downlink',
        action: 'iot.lorawan.downlink',
        objectType: 'iot.device',
        objectId: d.id,
        communityId: d.communityId,
        result,
        detail: { ...detail, ...extra },
      });
    try {
      const r = await queueDownlink(route.server, route.devEui, fPort, raw.value);
      await audit('success', { status: r.status, queueId: r.id });
    } catch (err) {
      await audit('failure', { reason: (err as Error).message });
      throw err;
    }
    return { id, delivered: true, via: route.server.kind };
  }

  #nextId(): string {
    this.#seq = (this.#seq + 1) % 1_000_000_000;
    return `${Date.now() % 1_000_000}${String(this.#seq).padStart(4, '0')}`;
  }

  async setProperties(
    d: Pick<DeviceIdentity, 'id' | 'communityId' | 'productKey' | 'deviceName'>,
    model: ThingModel,
    params: Record<string, unknown>,
    opts: { waitMs?: number } = {},
  ): Promise<CommandResult> {
    checkSet(model, params);
    await storeDesired(this.#database.db, d, params);
    const route = this.#gateway.isOnline(d.id) ? undefined : await this.#lorawanRoute(d);
    if (route) return this.#sendLorawan(d, route, 'thing.service.property.set', params);
    return this.#send(d, 'thing/service/property/set', 'thing.service.property.set', params, opts.waitMs);
  }

  async callService(
    d: Pick<DeviceIdentity, 'id' | 'communityId' | 'productKey' | 'deviceName'>,
    model: ThingModel,
    service: string,
    params: Record<string, unknown>,
    opts: { timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    const def = checkService(model, service, params);
    const route = this.#gateway.isOnline(d.id) ? undefined : await this.#lorawanRoute(d);
    if (route) {
      // A Class A device listens only right after its own uplink: nothing could answer within a call's timeout.
      if (def.callType === 'sync')
        throw new AppError('CONFLICT', {
          zh: 'LoRaWAN 设备无法同步应答（A 类设备只在上行后短暂接收），请将服务改为异步调用',
          en: 'A LoRaWAN device cannot answer a sync call (a Class A device listens only briefly after its own uplink); make the service async',
        });
      return this.#sendLorawan(d, route, `thing.service.${service}`, params);
    }
    if (!this.#gateway.isOnline(d.id)) {
      throw new AppError('UNAVAILABLE', { zh: '设备不在线', en: `Device ${d.productKey}/${d.deviceName} is offline` });
    }
    const wait = def.callType === 'sync' ? (opts.timeoutMs ?? 5000) : undefined;
    const r = await this.#send(d, `thing/service/${service}`, `thing.service.${service}`, params, wait);
    if (def.callType === 'sync' && !r.reply)
      throw new AppError('UNAVAILABLE', { zh: '设备未在限定时间内应答', en: 'The device did not answer in time' });
    return r;
  }

  async #send(
    d: Pick<DeviceIdentity, 'id' | 'communityId' | 'productKey' | 'deviceName'>,
    path: string,
    method: string,
    params: Record<string, unknown>,
    waitMs?: number,
  ): Promise<CommandResult> {
    const id = this.#nextId();
    if (!this.#gateway.isOnline(d.id)) return { id, delivered: false };
    this.#gateway.products.set(d.productKey, d.communityId);
    const topic = `/sys/${d.productKey}/${d.deviceName}/${path}`;
    const key = `${d.id}/${id}`;
    const replied = waitMs
      ? new Promise<CommandResult['reply']>((resolve) => {
          const t = setTimeout(() => {
            this.#waiting.delete(key);
            resolve(undefined);
          }, waitMs);
          this.#waiting.set(key, (r) => {
            clearTimeout(t);
            this.#waiting.delete(key);
            resolve(r);
          });
        })
      : undefined;
    const message = { id, version: '1.0', params, method };
    // A product with a codec speaks bytes: the command goes through protocolToRawData to `down_raw` (when the script
    // answers null, it has no encoder for this message and the JSON topic is used).
    const raw = await this.#codecs.encode(d.productKey, message);
    if (!raw.ok) {
      this.#waiting.get(key)?.(undefined);
      throw codecFailed(raw.error);
    }
    if (raw.value)
      await this.#gateway.publish(`/sys/${d.productKey}/${d.deviceName}/thing/model/down_raw`, raw.value, 1);
    else await this.#gateway.publish(topic, message, 1);
    const reply = replied ? await replied : undefined;
    return { id, delivered: true, reply };
  }

  /**
   * Sends a command that was checked and queued elsewhere (an API process without a gateway), if this gateway holds
   * the device; nothing waits for the reply.
   */
  async deliver(d: Target, cmd: QueuedCommand) {
    if (!this.#gateway.isOnline(d.id)) return false;
    if (cmd.kind === 'set') await this.#send(d, 'thing/service/property/set', 'thing.service.property.set', cmd.params);
    else await this.#send(d, `thing/service/${cmd.service}`, `thing.service.${cmd.service}`, cmd.params);
    return true;
  }

  /**
   * Sends a queued command to a device reached through its community's network server (no MQTT session here);
   * false when it is not such a device. Called by one process per command (a consumer shared by all gateways), so
   * several gateways do not queue it on the network server several times.
   */
  async deliverLorawan(d: Target, cmd: QueuedCommand) {
    if (this.#gateway.isOnline(d.id)) return false;
    const route = await this.#lorawanRoute(d);
    if (!route) return false;
    const method = cmd.kind === 'set' ? 'thing.service.property.set' : `thing.service.${cmd.service}`;
    await this.#sendLorawan(d, route, method, cmd.params);
    return true;
  }

  /** The gateway hands every `_reply` from a device here; a waiting call resolves. */
  onReply(s: DeviceSession, topic: string, payload: Buffer): void {
    if (topic.endsWith('/thing/model/down_raw_reply')) {
      // A raw device answers in bytes: its codec turns them into the `{id, code, data}` reply.
      void this.#codecs.decodeReply(s.identity.productKey, payload).then((body) => body && this.#settle(s, body));
      return;
    }
    let body: { id?: unknown; code?: unknown; message?: unknown; data?: unknown };
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    this.#settle(s, body);
  }

  #settle(s: DeviceSession, body: { id?: unknown; code?: unknown; message?: unknown; data?: unknown }) {
    const waiter = this.#waiting.get(`${s.identity.id}/${String(body.id)}`);
    waiter?.({
      code: typeof body.code === 'number' ? body.code : 0,
      message: typeof body.message === 'string' ? body.message : undefined,
      data: body.data,
    });
  }

  /** A device that comes back online receives the desired state it missed. */
  async deliverDesired(s: DeviceSession): Promise<void> {
    const [row] = await this.#database.db
      .select({ desired: shadows.desired })
      .from(shadows)
      .where(eq(shadows.deviceId, s.identity.id));
    const desired = (row?.desired ?? {}) as Record<string, unknown>;
    if (Object.keys(desired).length === 0) return;
    await this.#send(s.identity, 'thing/service/property/set', 'thing.service.property.set', desired);
  }
}
