import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { auditLog, queryRows, testEngines } from '@shequ/db';
import { eq, sql } from 'drizzle-orm';
import { connectAsync } from 'mqtt';
import { rotateSecret } from '../registry/devices-service.ts';
import { actor, closed, deviceCredentials, iotFixture, subackCodes } from '../testing.ts';

/** Sends a raw CONNECT with an empty client id and clean session off; answers the CONNACK return code. */
function rawEmptyIdConnect(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1');
    // CONNECT, remaining 12: "MQTT", level 4, flags 0 (clean session off), keepalive 60, client id "" (length 0).
    s.write(Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 60, 0, 0]));
    s.once('data', (b) => {
      s.destroy();
      resolve(b[0] === 0x20 ? b[3] : -1);
    });
    s.once('error', reject);
    setTimeout(() => reject(new Error('no CONNACK')), 3000).unref();
  });
}

const refusedWith = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return (err as { code?: number }).code;
  }
  return 0;
};

for (const engine of testEngines()) {
  describe(`MQTT gateway: device authentication and isolation (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine);
    });
    after(async () => {
      await f?.close();
    });

    test('Alink signatures connect: sha256, sha1 and md5, with and without timestamp, spaces and unknown keys', async () => {
      const [d] = f.devices;
      await (await f.device(d, { method: 'hmacsha256', timestamp: '1795846429273' })).endAsync();
      await (await f.device(d, { method: 'hmacsha1' })).endAsync();
      await (await f.device(d, { method: 'hmacmd5', timestamp: '789' })).endAsync();
      await (await f.device(d, { id: ' dev 01 ', extra: ', _v = sdk-c-4.1 ,lan=C' })).endAsync();
    });

    test('a wrong signature, an unknown device or an empty id without clean session is refused', async () => {
      const [d] = f.devices;
      const url = `mqtt://127.0.0.1:${f.port}`;
      const base = { protocolVersion: 4 as const, reconnectPeriod: 0 };
      const wrong = deviceCredentials(d, { secret: 'not-the-secret' });
      assert.equal(await refusedWith(connectAsync(url, { ...base, ...wrong })), 4);
      // The same bad credentials again come from the negative cache: still 4.
      assert.equal(await refusedWith(connectAsync(url, { ...base, ...wrong })), 4);
      const ghost = deviceCredentials({ ...d, deviceName: 'ghost-device' });
      assert.equal(await refusedWith(connectAsync(url, { ...base, ...ghost })), 4);
      assert.equal(await rawEmptyIdConnect(f.port), 2);
      const failures = await f.database.db.select().from(auditLog).where(eq(auditLog.action, 'iot.mqtt.connect'));
      assert.ok(failures.some((a) => a.result === 'failure' && a.subject === `device:${d.productKey}/${d.deviceName}`));
    });

    test('a device publishing to another device topic is disconnected and the refusal audited', async () => {
      const [d1, d2] = f.devices;
      const c = await f.device(d1);
      const own = await subackCodes(c, `/sys/${d1.productKey}/${d1.deviceName}/thing/service/#`);
      assert.deepEqual(own, [1]);
      const other = await subackCodes(c, `/sys/${d2.productKey}/${d2.deviceName}/thing/service/property/set`);
      assert.deepEqual(other, [128], 'subscribing to another device topic gets SUBACK 0x80');
      assert.deepEqual(await subackCodes(c, `/sys/${d1.productKey}/+/thing/#`), [128], 'no wildcard over devices');
      c.publish(`/sys/${d2.productKey}/${d2.deviceName}/thing/event/property/post`, '{"id":"1","params":{}}', {
        qos: 1,
      });
      await closed(c);
      const denied = await queryRows<{ n: string | number }>(
        f.database.db,
        sql`select count(*) as n from audit.log where action in ('iot.mqtt.publish', 'iot.mqtt.subscribe') and result = 'denied'`,
      );
      assert.equal(Number(denied[0].n), 3);
    });

    test('a second connection of the same device closes the first', async () => {
      const [d] = f.devices;
      const first = await f.device(d, { id: 'first' });
      const gone = closed(first);
      const second = await f.device(d, { id: 'second' });
      await gone;
      assert.ok(second.connected);
      await f.iot.gateway.states.settle();
      const detail = await queryRows<{ state: string }>(
        f.database.db,
        sql`select state from iot.devices where device_name = ${d.deviceName}`,
      );
      assert.equal(detail[0].state, 'online', 'the kicked session going away does not mark the device offline');
      await second.endAsync();
      await f.iot.gateway.states.settle();
    });

    test('after a secret rotation both secrets sign during the window', async () => {
      const [, d2] = f.devices;
      const r = await rotateSecret(f.iot.deps, f.scope, d2.productKey, d2.deviceName, 10, actor);
      f.iot.gateway.forgetFailures();
      await (await f.device(d2)).endAsync();
      await (await f.device({ ...d2, deviceSecret: r.deviceSecret })).endAsync();
    });
  });
}
