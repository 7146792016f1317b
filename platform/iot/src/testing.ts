// Test helpers for the IoT suites: a platform-shaped fixture with a gateway on an ephemeral port, and a signing device client.
import { randomBytes } from 'node:crypto';
import { MemoryBus, OutboxRelay } from '@shequ/bus';
import { FieldCrypto, parseKeyring, seedDemo } from '@shequ/core';
import { createTestDatabase, type DataScope, regions, type TestEngine } from '@shequ/db';
import { standardThingModels } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { type SignMethod, sign } from './alink/credentials.ts';
import { IotEngine, type IotEngineOptions } from './engine.ts';
import type { ListenOptions } from './gateway/mqtt-gateway.ts';
import { createDevices } from './registry/devices-service.ts';
import { createProduct } from './registry/products-service.ts';

export const actor = { subject: 'test', role: 'platform_admin' };

/** A migrated database with the demo community, the embedded bus with its relay, and a started IoT engine. */
export async function iotFixture(
  engine: TestEngine,
  opts: Partial<IotEngineOptions> = {},
  listen: Pick<Partial<ListenOptions>, 'tls'> = {},
) {
  const database = await createTestDatabase(engine);
  const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
  await seedDemo(database.db, crypto);
  const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
  const scope: DataScope = { kind: 'communities', ids: [demo.id] };
  const bus = new MemoryBus();
  const relay = new OutboxRelay(database, bus, { idleMs: 20 });
  relay.start();
  const iot = new IotEngine({
    database,
    crypto,
    onCommit: () => relay.kick(),
    bus: { bus, durable: 'iot-gateway-test' },
    ...opts,
  });
  const { port, tlsPort } = await iot.start({ port: 0, host: '127.0.0.1', ...listen });
  const product = await createProduct(
    iot.deps,
    scope,
    demo.id,
    { name: '户用电表', thingModel: standardThingModels()['power-meter'] },
    actor,
  );
  const [d1, d2] = await createDevices(
    iot.deps,
    scope,
    product.productKey,
    [{ deviceName: 'meter-0001' }, { deviceName: 'meter-0002' }],
    actor,
  );
  const clients: MqttClient[] = [];
  return {
    database,
    crypto,
    bus,
    relay,
    iot,
    port,
    tlsPort,
    scope,
    communityId: demo.id,
    productKey: product.productKey,
    devices: [d1, d2],
    /** A product of one of the standard thing models (`schemas/iot/models`) and its devices, in the demo community. */
    async standardDevices(model: string, productName: string, deviceNames: string[]) {
      const thingModel = standardThingModels()[model];
      if (!thingModel) throw new Error(`no standard thing model ${model}`);
      const p = await createProduct(iot.deps, scope, demo.id, { name: productName, thingModel }, actor);
      return createDevices(
        iot.deps,
        scope,
        p.productKey,
        deviceNames.map((deviceName) => ({ deviceName })),
        actor,
      );
    },
    /** Connects a device with Alink credentials; the client is ended at close. */
    async device(
      d: { productKey: string; deviceName: string; deviceSecret: string },
      o: { method?: SignMethod; timestamp?: string; id?: string; extra?: string; secret?: string } = {},
      mqttOpts: IClientOptions = {},
    ) {
      const c = await connectAsync(`mqtt://127.0.0.1:${port}`, {
        ...deviceCredentials(d, o),
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...mqttOpts,
      });
      clients.push(c);
      return c;
    },
    async account(username: string, password: string) {
      const c = await connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: `app-${randomBytes(4).toString('hex')}`,
        username,
        password,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await iot.stop();
      await relay.stop();
      await bus.close();
      await database.close();
    },
  };
}

/** Alink MQTT credentials for a device: client id with sign parameters, `dn&pk`, hex HMAC password. */
export function deviceCredentials(
  d: { productKey: string; deviceName: string; deviceSecret: string },
  o: { method?: SignMethod; timestamp?: string; id?: string; extra?: string; secret?: string } = {},
) {
  const method = o.method ?? 'hmacsha256';
  const id = o.id ?? d.deviceName;
  const ts = o.timestamp ? `,timestamp=${o.timestamp}` : '';
  return {
    clientId: `${id}|securemode=3,signmethod=${method}${ts}${o.extra ?? ''}|`,
    username: `${d.deviceName}&${d.productKey}`,
    password: sign(o.secret ?? d.deviceSecret, method, {
      id: id.trim(),
      deviceName: d.deviceName,
      productKey: d.productKey,
      timestamp: o.timestamp,
    }),
  };
}

/** The next message on a topic (that `match` accepts, when given), or a rejection after `ms`. */
export function nextMessage(
  c: MqttClient,
  topic: string,
  ms = 5000,
  match: (body: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      c.off('message', on);
      reject(new Error(`no message on ${topic} within ${ms} ms`));
    }, ms);
    const on = (tp: string, payload: Buffer) => {
      if (tp !== topic) return;
      const body = JSON.parse(payload.toString('utf8'));
      if (!match(body)) return;
      clearTimeout(t);
      c.off('message', on);
      resolve(body);
    };
    c.on('message', on);
  });
}

/** Resolves when the client's connection closes (e.g. the gateway refused a publish). */
export const closed = (c: MqttClient, ms = 5000) =>
  new Promise<void>((resolve, reject) => {
    if (!c.connected) return resolve();
    const t = setTimeout(() => reject(new Error('connection stayed open')), ms);
    c.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** The SUBACK return codes for a subscription (mqtt.js rejects a 0x80; the packet still carries the codes). */
export async function subackCodes(c: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filter, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}
