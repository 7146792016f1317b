import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireDataDirLock, DataDirLockedError, openPostgres } from '@shequ/db';
import { ConfigError, loadConfig } from './config.ts';

test('defaults: embedded data dir, web 3000, API 3001', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.apiPort, 3001);
  assert.match(c.dataDir, /\.data$/);
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.mqttPort, 1884, 'not 1883: Mosquitto often holds it');
  assert.equal(c.mqtts, undefined);
});

test('outbox retention: 24 hours by default, 0 keeps everything, nonsense is refused by name', () => {
  assert.equal(loadConfig({}).outboxRetentionHours, 24);
  assert.equal(loadConfig({ SHEQU_OUTBOX_RETENTION_HOURS: '0' }).outboxRetentionHours, 0);
  assert.throws(() => loadConfig({ SHEQU_OUTBOX_RETENTION_HOURS: 'soon' }), /SHEQU_OUTBOX_RETENTION_HOURS/);
  assert.equal(loadConfig({}).busRetentionHours, 168);
});

test('MQTT ports: SHEQU_MQTT_PORT, and TLS only with a certificate and key', () => {
  assert.equal(loadConfig({ SHEQU_MQTT_PORT: '0' }).mqttPort, 0);
  assert.throws(() => loadConfig({ SHEQU_MQTT_PORT: 'x' }), /SHEQU_MQTT_PORT/);
  assert.throws(() => loadConfig({ SHEQU_MQTTS_PORT: '8883' }), /SHEQU_MQTTS_CERT/);
  const c = loadConfig({ SHEQU_MQTTS_PORT: '8883', SHEQU_MQTTS_CERT: 'c.pem', SHEQU_MQTTS_KEY: 'k.pem' });
  assert.equal(c.mqtts?.port, 8883);
  assert.match(c.mqtts?.keyPath ?? '', /k\.pem$/);
  assert.equal(loadConfig({ SHEQU_MQTT_MAX_SKEW_SECONDS: '300' }).mqttMaxSkewSeconds, 300);
  assert.throws(() => loadConfig({ SHEQU_MQTT_MAX_SKEW_SECONDS: '-1' }), /SHEQU_MQTT_MAX_SKEW_SECONDS/);
});

test('device HTTP and CoAP listeners and the simulator: defaults, off, TLS reuse and bad values', () => {
  const d = loadConfig({});
  assert.deepEqual([d.iotHttpPort, d.coapPort, d.iotHttpTls, d.simulatorRate], [1886, 5683, undefined, 1]);
  const off = loadConfig({ SHEQU_IOT_HTTP_PORT: 'off', SHEQU_COAP_PORT: 'off', SHEQU_SIMULATOR: 'off' });
  assert.deepEqual([off.iotHttpPort, off.coapPort, off.simulatorRate], [undefined, undefined, undefined]);
  const reuse = loadConfig({ SHEQU_MQTTS_PORT: '8883', SHEQU_MQTTS_CERT: 'c.pem', SHEQU_MQTTS_KEY: 'k.pem' });
  assert.match(reuse.iotHttpTls?.certPath ?? '', /c\.pem$/);
  const own = loadConfig({ SHEQU_IOT_HTTP_CERT: 'h.pem', SHEQU_IOT_HTTP_KEY: 'hk.pem', SHEQU_SIMULATOR_RATE: '5' });
  assert.match(own.iotHttpTls?.keyPath ?? '', /hk\.pem$/);
  assert.equal(own.simulatorRate, 5);
  assert.throws(() => loadConfig({ SHEQU_IOT_HTTP_CERT: 'h.pem' }), /SHEQU_IOT_HTTP_KEY/);
  assert.throws(() => loadConfig({ SHEQU_COAP_PORT: 'udp' }), /SHEQU_COAP_PORT/);
  // CoAP over DTLS is off unless its port is set.
  assert.equal(d.coapsPort, undefined);
  assert.equal(loadConfig({ SHEQU_COAPS_PORT: 'off' }).coapsPort, undefined);
  assert.equal(loadConfig({ SHEQU_COAPS_PORT: '5684' }).coapsPort, 5684);
  assert.throws(() => loadConfig({ SHEQU_COAPS_PORT: 'dtls' }), /SHEQU_COAPS_PORT/);
  assert.throws(() => loadConfig({ SHEQU_SIMULATOR: 'maybe' }), /SHEQU_SIMULATOR/);
  assert.throws(() => loadConfig({ SHEQU_SIMULATOR_RATE: '5000' }), /SHEQU_SIMULATOR_RATE/);
});

test('a bad value names its variable', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty' }),
    (e: Error) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ SHEQU_API_PORT: '70000' }), /SHEQU_API_PORT/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ NATS_URL: 'not a url' }), /NATS_URL/);
  assert.throws(() => loadConfig({ SHEQU_FIELD_CIPHER: 'des' }), /SHEQU_FIELD_CIPHER/);
  assert.throws(() => loadConfig({ SHEQU_OIDC_ISSUER: 'http://127.0.0.1:1' }), /SHEQU_OIDC_CLIENT_ID/);
});

test('an unreachable DATABASE_URL fails with one line naming it, password hidden', async () => {
  await assert.rejects(
    openPostgres('postgres://u:secret@127.0.0.1:1/x'),
    (e: Error) => /DATABASE_URL/.test(e.message) && !e.message.includes('secret'),
  );
});

test('a second owner of a PGlite data dir is refused with the holder PID', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-lock-'));
  const lock = acquireDataDirLock(dir);
  try {
    assert.throws(
      () => acquireDataDirLock(dir),
      (e: Error) =>
        e instanceof DataDirLockedError && e.holderPid === process.pid && e.message.includes(String(process.pid)),
    );
  } finally {
    lock.release();
  }
  acquireDataDirLock(dir).release();
  rmSync(dir, { recursive: true, force: true });
});

test('the sandbox payment provider: on by default, off in production, a bad value names the variable', () => {
  assert.equal(loadConfig({}).paymentSandbox, true);
  assert.equal(loadConfig({ SHEQU_PAYMENT_SANDBOX: 'off' }).paymentSandbox, false);
  assert.throws(() => loadConfig({ SHEQU_PAYMENT_SANDBOX: 'yes' }), /SHEQU_PAYMENT_SANDBOX/);
});

test('several API processes share a port only over PostgreSQL: the embedded database has one owner', () => {
  assert.equal(loadConfig({}).apiReusePort, false);
  assert.equal(loadConfig({ SHEQU_API_REUSE_PORT: 'on', DATABASE_URL: 'postgres://127.0.0.1/x' }).apiReusePort, true);
  assert.throws(() => loadConfig({ SHEQU_API_REUSE_PORT: 'on' }), /SHEQU_API_REUSE_PORT.*DATABASE_URL/);
  assert.throws(() => loadConfig({ SHEQU_API_REUSE_PORT: '1', DATABASE_URL: 'postgres://127.0.0.1/x' }), /on or off/);
});
