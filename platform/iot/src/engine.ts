import type { Bus, Subscription } from '@shequ/bus';
import { type Actor, AppError, appendAudit, type FieldCrypto, type Logger } from '@shequ/core';
import type { Database, DataScope } from '@shequ/db';
import type { CodecRunner } from './codec/codec.ts';
import type { ProductCodecs } from './codec/product-codecs.ts';
import { Downlink } from './downlink.ts';
import { type GatewayOptions, type ListenOptions, MqttGateway } from './gateway/mqtt-gateway.ts';
import { TelemetryWriter, type WriterOptions } from './ingest/writer.ts';
import { followCommands, followLifecycle, lorawanCommandsDurable } from './lifecycle-follower.ts';
import { NetworkServers } from './lorawan/network-servers.ts';
import { deviceCaPem } from './registry/certificates.ts';
import { auditActor, type IotDeps } from './registry/deps.ts';
import { deviceInScope } from './registry/device-detail.ts';
import { markAllOffline } from './registry/devices-repo.ts';

export interface IotEngineOptions {
  database: Database;
  crypto: FieldCrypto;
  log?: Logger;
  /** Called after IoT facts were committed to the outbox (the platform kicks its relay). */
  onCommit?: () => void;
  /**
   * Publishes each committed telemetry batch's events from memory (the platform's `OutboxRelay.publishCommitted`),
   * so the relay does not read them back; see WriterOptions.publish.
   */
  publishCommitted?: WriterOptions['publish'];
  writer?: Omit<WriterOptions, 'onCommit' | 'publish'>;
  /** When given, lifecycle changes made in other processes (disable, delete, rotation) reach this gateway. */
  bus?: { bus: Bus; durable: string };
  gateway?: Omit<GatewayOptions, 'database' | 'crypto' | 'writer' | 'log'>;
  /** Runs product codec scripts (raw-data topics, LoRaWAN uplinks): the platform's `CodecSandbox`. */
  codecRunner?: CodecRunner;
}

export type Command =
  | { kind: 'set'; params: Record<string, unknown>; waitMs?: number }
  | { kind: 'service'; service: string; params: Record<string, unknown>; timeoutMs?: number };

/** The IoT engine of one process: telemetry writer, MQTT gateway and downlink, started and stopped together. */
export class IotEngine {
  readonly deps: IotDeps;
  readonly writer: TelemetryWriter;
  readonly gateway: MqttGateway;
  readonly downlink: Downlink;
  /** The communities' LoRaWAN network servers (downlink, and the silence window of their devices). */
  readonly networkServers: NetworkServers;
  readonly #o: IotEngineOptions;
  #follows: Subscription[] = [];

  constructor(o: IotEngineOptions) {
    this.#o = o;
    this.deps = { db: o.database.db, crypto: o.crypto };
    this.writer = new TelemetryWriter(o.database, { ...o.writer, onCommit: o.onCommit, publish: o.publishCommitted });
    let downlink: Downlink | undefined;
    this.gateway = new MqttGateway({
      codecRunner: o.codecRunner,
      ...o.gateway,
      database: o.database,
      crypto: o.crypto,
      writer: this.writer,
      log: o.log,
      onStateCommitted: o.onCommit,
      onOnline: (s) => {
        downlink?.deliverDesired(s).catch((err) => o.log?.warn({ err }, 'desired state delivery failed'));
        o.gateway?.onOnline?.(s);
      },
      onReply: (s, topic, payload) => downlink?.onReply(s, topic, payload),
    });
    this.networkServers = new NetworkServers(this.deps);
    downlink = new Downlink(o.database, this.gateway, this.networkServers);
    this.downlink = downlink;
  }

  /** The product codecs this engine decodes and encodes raw payloads with (shared with HTTP, CoAP and LoRaWAN). */
  get codecs(): ProductCodecs {
    return this.gateway.codecs;
  }

  async start(listen: ListenOptions) {
    // Embedded PGlite has one process: a device still marked online is a leftover of the last run.
    if (this.#o.database.kind === 'pglite') await markAllOffline(this.#o.database.db);
    // MQTT over TLS also takes X.509 client certificates from the platform's device CA (DB33 9.2.1.1). A client
    // without one (or with one the CA did not issue) still connects and signs in with its secret.
    const tls = listen.tls && {
      ...listen.tls,
      options: {
        requestCert: true,
        rejectUnauthorized: false,
        ca: [await deviceCaPem(this.deps)],
        ...listen.tls.options,
      },
    };
    const ports = await this.gateway.listen({ ...listen, tls });
    if (this.#o.bus) {
      const { bus, durable } = this.#o.bus;
      this.#follows = [
        await followLifecycle(bus, durable, this.#o.database, this.gateway, this.#o.log),
        await followCommands(bus, `${durable}-commands`, this.downlink, this.#o.log),
        await followCommands(bus, lorawanCommandsDurable, this.downlink, this.#o.log, true),
      ];
    }
    return ports;
  }

  async stop(): Promise<void> {
    for (const f of this.#follows) await f.stop();
    await this.gateway.close();
    await this.writer.drain();
  }

  /** Sends a property set or a service call to a device in the caller's scope; audited. */
  async command(scope: DataScope, productKey: string, deviceName: string, cmd: Command, actor: Actor) {
    const { device, thingModel } = await deviceInScope(this.deps, scope, productKey, deviceName);
    if (!device.enabled) throw new AppError('CONFLICT', { zh: '设备已禁用', en: 'The device is disabled' });
    const r =
      cmd.kind === 'set'
        ? await this.downlink.setProperties(device, thingModel, cmd.params, { waitMs: cmd.waitMs })
        : await this.downlink.callService(device, thingModel, cmd.service, cmd.params, { timeoutMs: cmd.timeoutMs });
    await appendAudit(this.#o.database.db, {
      ...auditActor(actor),
      action: cmd.kind === 'set' ? 'iot.device.set_properties' : 'iot.device.call_service',
      objectType: 'iot.device',
      objectId: device.id,
      communityId: device.communityId,
      result: 'success',
      detail: {
        productKey,
        deviceName,
        service: cmd.kind === 'service' ? cmd.service : undefined,
        id: r.id,
        delivered: r.delivered,
      },
    });
    return r;
  }
}
