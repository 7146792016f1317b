import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { parseClientId, parseUsername, sign, signatureMatches, signContent } from './credentials.ts';
import { deviceMayUse, filterCovered, parseTopic, topicMatches } from './topics.ts';

test('client ids: Alink form with whitespace, unknown keys and any case; anything else is not Alink', () => {
  assert.deepEqual(parseClientId('12345|securemode=3,signmethod=hmacsha1,timestamp=789|'), {
    id: '12345',
    signMethod: 'hmacsha1',
    secureMode: '3',
    timestamp: '789',
    extra: {},
  });
  const loose = parseClientId(' dev 1 | securemode = 2 , SignMethod=HmacMD5 , _v=sdk-c-4.1, lan=C |');
  assert.equal(loose?.id, 'dev 1');
  assert.equal(loose?.signMethod, 'hmacmd5');
  assert.deepEqual(loose?.extra, { _v: 'sdk-c-4.1', lan: 'C' });
  assert.equal(parseClientId('plain-client'), null);
  assert.equal(parseClientId('x|signmethod=hmacsha512|'), null, 'unknown sign method');
  assert.equal(parseClientId('x|signmethod=hmacsha256,timestamp=yesterday|'), null);
  assert.equal(parseClientId('x|securemode=3|'), null, 'no sign method');
});

test('usernames are deviceName&productKey', () => {
  assert.deepEqual(parseUsername('meter-01&k12345'), { deviceName: 'meter-01', productKey: 'k12345' });
  assert.equal(parseUsername('no-amp'), null);
  assert.equal(parseUsername('&k1'), null);
  assert.equal(parseUsername(undefined), null);
});

test('the signature is hex HMAC over clientId…deviceName…productKey…[timestamp…], as Alink documents', () => {
  const p = { id: '12345', deviceName: 'device', productKey: 'pk', timestamp: '789' };
  assert.equal(signContent(p), 'clientId12345deviceNamedeviceproductKeypktimestamp789');
  assert.equal(signContent({ ...p, timestamp: undefined }), 'clientId12345deviceNamedeviceproductKeypk');
  const want = createHmac('sha256', 'secret').update(signContent(p)).digest('hex');
  assert.equal(sign('secret', 'hmacsha256', p), want);
  assert.ok(signatureMatches(want.toUpperCase(), want), 'hex case does not matter');
  assert.ok(!signatureMatches(want.slice(1), want));
  assert.equal(sign('secret', 'hmacmd5', p).length, 32);
  assert.equal(sign('secret', 'hmacsha1', p).length, 40);
});

test('topics are classified by the Alink layout', () => {
  assert.deepEqual(parseTopic('/sys/pk/dn/thing/event/property/post'), {
    kind: 'property-post',
    productKey: 'pk',
    deviceName: 'dn',
  });
  assert.equal(parseTopic('/sys/pk/dn/thing/event/smokeAlarm/post')?.kind, 'event-post');
  assert.equal(parseTopic('/sys/pk/dn/thing/service/property/set_reply')?.kind, 'reply');
  assert.equal(parseTopic('/sys/pk/dn/thing/service/open')?.kind, 'service');
  assert.equal(parseTopic('/shadow/update/pk/dn')?.kind, 'shadow');
  assert.equal(parseTopic('/pk/dn/user/custom/a')?.kind, 'user');
  assert.equal(parseTopic('/app/anything'), null);
});

test('a device uses only its own topics, in its own direction (9.3.2.5)', () => {
  const me = { productKey: 'pk', deviceName: 'dn' };
  assert.ok(deviceMayUse('/sys/pk/dn/thing/event/property/post', me, 'publish'));
  assert.ok(deviceMayUse('/sys/pk/dn/thing/service/property/set_reply', me, 'publish'));
  assert.ok(deviceMayUse('/pk/dn/user/update', me, 'publish'));
  assert.ok(deviceMayUse('/shadow/update/pk/dn', me, 'publish'));
  assert.ok(!deviceMayUse('/sys/pk/other/thing/event/property/post', me, 'publish'));
  assert.ok(!deviceMayUse('/sys/pk/dn/thing/service/property/set', me, 'publish'), 'downlink is the platform’s');
  assert.ok(!deviceMayUse('/app/x', me, 'publish'));
  assert.ok(deviceMayUse('/sys/pk/dn/thing/service/#', me, 'subscribe'));
  assert.ok(deviceMayUse('/pk/dn/user/+', me, 'subscribe'));
  assert.ok(!deviceMayUse('/sys/pk/+/thing/service/#', me, 'subscribe'));
  assert.ok(!deviceMayUse('/sys/#', me, 'subscribe'));
  assert.ok(!deviceMayUse('#', me, 'subscribe'));
  // Raw-data topics (products with a codec): bytes up on up_raw, down on down_raw, never the other way.
  assert.ok(deviceMayUse('/sys/pk/dn/thing/model/up_raw', me, 'publish'));
  assert.ok(deviceMayUse('/sys/pk/dn/thing/model/down_raw_reply', me, 'publish'));
  assert.ok(!deviceMayUse('/sys/pk/dn/thing/model/down_raw', me, 'publish'), 'raw downlink is the platform’s');
  assert.ok(!deviceMayUse('/sys/pk/other/thing/model/up_raw', me, 'publish'));
  assert.ok(deviceMayUse('/sys/pk/dn/thing/model/down_raw', me, 'subscribe'));
  assert.ok(!deviceMayUse('/sys/pk/other/thing/model/down_raw', me, 'subscribe'));
  assert.deepEqual(parseTopic('/sys/pk/dn/thing/model/up_raw'), { kind: 'raw-up', productKey: 'pk', deviceName: 'dn' });
});

test('MQTT matching for application ACLs', () => {
  assert.ok(topicMatches('/sys/pk/+/thing/event/#', '/sys/pk/dn/thing/event/property/post'));
  assert.ok(!topicMatches('/sys/pk/+/thing/event/#', '/sys/pk/dn/thing/service/x'));
  assert.ok(topicMatches('/a/#', '/a'));
  assert.ok(filterCovered('/sys/pk/+/thing/event/#', '/sys/pk/dn/thing/event/+/post'));
  assert.ok(filterCovered('/sys/pk/+/thing/event/#', '/sys/pk/+/thing/event/#'));
  assert.ok(!filterCovered('/sys/pk/+/thing/event/#', '/sys/pk/#'), 'a wider filter is not covered');
  assert.ok(!filterCovered('/sys/pk/dn/#', '/sys/pk/+/thing'));
  assert.ok(!filterCovered('/a/+', '/a/b/c'));
});
