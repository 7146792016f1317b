import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsOf, fillTemplate, judge } from './evaluate-rule.ts';

const c = '11111111-1111-4111-8111-111111111111';
const dev = '22222222-2222-4222-8222-222222222222';
const ev = (kind: string, data: Record<string, unknown>) => ({
  id: '33333333-3333-4333-8333-333333333333',
  subject: `shequ.iot.${c}.pk1234.${dev}.${kind}`,
  time: new Date().toISOString(),
  data: { deviceName: 'smoke-0001', ...data },
});

describe('trigger matching', () => {
  test('property, event and state messages match their triggers and say why not otherwise', () => {
    const prop = factsOf(ev('property', { properties: { smokeDensity: { value: 0.5, time: 1 } } }))!;
    assert.deepEqual(prop.params, { smokeDensity: 0.5 });
    const t = { kind: 'property' as const, productKey: 'pk1234' };
    assert.deepEqual(judge({ trigger: t, condition: 'params.smokeDensity > 0.3' }, prop), { outcome: 'match' });
    assert.deepEqual(
      judge({ trigger: { ...t, identifier: 'battery' }, condition: '' }, prop).outcome,
      'trigger_mismatch',
    );
    assert.match(JSON.stringify(judge({ trigger: { ...t, productKey: 'other1' }, condition: '' }, prop)), /product/);
    assert.match(JSON.stringify(judge({ trigger: { ...t, deviceName: 'smoke-0002' }, condition: '' }, prop)), /device/);

    const alarm = factsOf(ev('event', { event: 'smokeAlarm', value: { smokeDensity: 2 }, time: 5 }))!;
    const et = { kind: 'event' as const, productKey: 'pk1234', identifier: 'smokeAlarm' };
    assert.equal(
      judge({ trigger: et, condition: 'event == "smokeAlarm" && params.smokeDensity == 2' }, alarm).outcome,
      'match',
    );
    assert.equal(
      judge({ trigger: { ...et, identifier: 'lowBattery' }, condition: '' }, alarm).outcome,
      'trigger_mismatch',
    );
    assert.equal(judge({ trigger: t, condition: '' }, alarm).outcome, 'trigger_mismatch', 'kind differs');

    const off = factsOf(ev('state', { state: 'offline', epoch: 3 }))!;
    const st = { kind: 'state' as const, productKey: 'pk1234', state: 'offline' as const };
    assert.equal(judge({ trigger: st, condition: 'state == "offline"' }, off).outcome, 'match');
    assert.equal(judge({ trigger: { ...st, state: 'online' }, condition: '' }, off).outcome, 'trigger_mismatch');
    assert.equal(judge({ trigger: st, condition: 'params.x > 1' }, off).outcome, 'condition_false');
    assert.equal(judge({ trigger: st, condition: '-state' }, off).outcome, 'condition_error');

    assert.equal(factsOf(ev('command', {})), null, 'commands never trigger rules');
    assert.equal(factsOf({ ...ev('property', {}), subject: 'shequ.iot.lifecycle.device' }), null);
  });

  test('message templates fill device, event, params and tags; unknown placeholders stay', () => {
    const f = { ...factsOf(ev('event', { event: 'smokeAlarm', value: { location: '3F' } }))!, tags: { building: '7' } };
    assert.equal(
      fillTemplate('{tags.building}栋{params.location} {event} {deviceName} {nope}', f, 'r'),
      '7栋3F smokeAlarm smoke-0001 {nope}',
    );
  });
});
