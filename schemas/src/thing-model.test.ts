import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkProperties,
  checkValue,
  fieldErrors,
  standardThingModels,
  type TslDataType,
  thingModelSchema,
  validatorFor,
} from './index.ts';

test('every standard thing model of 6.2 is a valid TSL document with a clause', () => {
  const models = standardThingModels();
  const v = validatorFor(thingModelSchema);
  for (const [name, m] of Object.entries(models)) {
    assert.ok(v(m), `${name}: ${JSON.stringify(fieldErrors(v.errors))}`);
    assert.match(m.profile?.clause ?? '', /^6\.2\.\d\.\d$/, name);
  }
  for (const want of [
    'people-gate',
    'vehicle-gate',
    'parcel-locker',
    'ai-camera',
    'perimeter-infrared',
    'perimeter-camera',
    'smoke-detector',
    'earthquake-sensor',
    'fog-sensor',
    'gas-detector',
    'energy-meter-lighting',
    'energy-meter-hvac',
    'energy-meter-lift',
    'energy-meter-ev-charger',
    'pv-inverter',
    'ground-source-heat-pump',
    'heat-cool-meter',
    'garbage-bin',
    'water-meter',
    'power-meter',
    'gas-meter',
    'elderly-vital-monitor',
    'health-kiosk',
    'canteen-till',
    'library-terminal',
    'people-counter',
    'parking-space-sensor',
    'e-reader',
    'training-terminal',
    'fitness-equipment',
  ])
    assert.ok(models[want], want);
  const camera = models['ai-camera'].events.map((e) => e.identifier);
  for (const e of ['fall', 'fight', 'crowding', 'thrownObject', 'ebikeInLift', 'fireSmoke'])
    assert.ok(camera.includes(e), e);
});

test('6.2.2.3 and 6.2.4.2: fog sensor, gas detector, the camera fire event and the geothermal heat pump', () => {
  const models = standardThingModels();
  const v = validatorFor(thingModelSchema);
  const event = (model: string, id: string) => models[model].events.find((e) => e.identifier === id);
  const prop = (model: string, id: string) => models[model].properties.find((p) => p.identifier === id);
  for (const m of ['fog-sensor', 'gas-detector']) assert.equal(models[m].profile?.clause, '6.2.2.3', m);
  assert.deepEqual(
    [event('fog-sensor', 'fogAlarm')?.type, event('fog-sensor', 'fogAlarm')?.outputData[0].identifier],
    ['alert', 'aerosolDensity'],
  );
  assert.deepEqual(
    ['gasLeak', 'toxicGas', 'sensorFault'].map((e) => event('gas-detector', e)?.type),
    ['alert', 'alert', 'error'],
  );
  // The camera serves 6.2.2.1; its fire detection names the emergency clause itself.
  assert.equal(models['ai-camera'].profile?.clause, '6.2.2.1');
  const fire = event('ai-camera', 'fireSmoke');
  assert.deepEqual([fire?.type, fire?.clause], ['alert', '6.2.2.3']);
  const kind = fire?.outputData.find((o) => o.identifier === 'kind');
  assert.equal(kind?.required, true);
  assert.deepEqual(
    checkValue(kind?.dataType as TslDataType, 1).map((e) => e.code),
    [],
  );
  assert.deepEqual(
    checkValue(kind?.dataType as TslDataType, 2).map((e) => e.code),
    ['NOT_IN_ENUM'],
    'smoke or open flame only',
  );
  const hp = models['ground-source-heat-pump'];
  assert.deepEqual([hp.profile?.category, hp.profile?.clause], ['renewable', '6.2.4.2']);
  for (const counter of ['suppliedEnergy', 'electricEnergy']) {
    const dt = prop('ground-source-heat-pump', counter)?.dataType;
    assert.equal(dt?.type, 'double', counter);
    assert.equal((dt?.specs as Record<string, string> | undefined)?.unit, 'kWh', counter);
  }
  // An event's own clause is a 6.2 clause.
  const bad = { ...hp, events: [{ ...hp.events[0], clause: '7.2.2.3.3' }] };
  assert.equal(v(bad), false);
  assert.ok(fieldErrors(v.errors)['events.0.clause'], JSON.stringify(fieldErrors(v.errors)));
});

test('the people counter (6.2.1.1) reports occupancy and per-interval counts of an area, never negative', () => {
  const m = standardThingModels()['people-counter'];
  assert.equal(m.profile?.clause, '6.2.1.1');
  assert.ok(m.properties.some((p) => p.identifier === 'occupancy' && p.dataType.type === 'int'));
  const count = m.events.find((e) => e.identifier === 'count');
  assert.ok(count);
  const value = { type: 'struct', specs: count.outputData } as TslDataType;
  const ok = { area: '中心广场', inCount: 12, outCount: 9, occupancy: 40, periodSeconds: 300 };
  assert.deepEqual(checkValue(value, ok), []);
  assert.deepEqual(
    checkValue(value, { ...ok, inCount: -1 }).map((e) => `${e.code}@${e.path}`),
    ['OUT_OF_RANGE@inCount'],
  );
  assert.deepEqual(
    checkValue(value, { inCount: 1, outCount: 0, periodSeconds: 300 }).map((e) => `${e.code}@${e.path}`),
    ['MISSING_FIELD@area'],
  );
  assert.deepEqual(
    checkValue(value, { ...ok, periodSeconds: 7200 }).map((e) => e.code),
    ['OUT_OF_RANGE'],
  );
});

test('the parking-space sensor (6.2.1.2) reports occupied and arrive/leave with the space code', () => {
  const m = standardThingModels()['parking-space-sensor'];
  assert.equal(m.profile?.clause, '6.2.1.2');
  const occupied = m.properties.find((p) => p.identifier === 'occupied');
  assert.equal(occupied?.dataType.type, 'bool');
  assert.deepEqual(checkProperties(m, { occupied: 1 }), []);
  assert.ok(checkProperties(m, { occupied: 2 }).length > 0);
  for (const id of ['arrive', 'leave']) {
    const ev = m.events.find((e) => e.identifier === id);
    assert.ok(ev, id);
    const value = { type: 'struct', specs: ev.outputData } as TslDataType;
    assert.deepEqual(checkValue(value, { spaceCode: 'B1-001' }), [], id);
    assert.deepEqual(
      checkValue(value, {}).map((e) => `${e.code}@${e.path}`),
      ['MISSING_FIELD@spaceCode'],
      id,
    );
  }
});

test('a malformed thing model is refused with errors by path', () => {
  const v = validatorFor(thingModelSchema);
  const bad = {
    properties: [
      { identifier: '1bad', name: 'x', accessMode: 'rw', dataType: { type: 'int', specs: { min: 0 } } },
      { identifier: 'e', name: 'e', accessMode: 'r', dataType: { type: 'enum' } },
    ],
    events: [{ identifier: 'x', name: 'x', type: 'warning', outputData: [] }],
    services: [],
  };
  assert.equal(v(bad), false);
  const errs = fieldErrors(v.errors);
  assert.ok(errs['properties.0.identifier'], JSON.stringify(errs));
  assert.ok(errs['properties.0.dataType.specs.min'], JSON.stringify(errs));
  // The enum without specs: the missing property named under its parent, not by its bare name.
  assert.ok(errs['properties.1.dataType.specs'], JSON.stringify(errs));
  assert.ok(errs['events.0.type'], JSON.stringify(errs));
});

const int: TslDataType = { type: 'int', specs: { min: '0', max: '100', step: '5' } };
const codes = (dt: TslDataType, v: unknown) => checkValue(dt, v).map((e) => e.code);

test('numbers: type, range and integer step', () => {
  assert.deepEqual(codes(int, 45), []);
  assert.deepEqual(codes(int, 101), ['OUT_OF_RANGE']);
  assert.deepEqual(codes(int, -5), ['OUT_OF_RANGE']);
  assert.deepEqual(codes(int, 42), ['STEP_MISMATCH']);
  assert.deepEqual(codes(int, 4.5), ['TYPE_MISMATCH']);
  assert.deepEqual(codes(int, '45'), ['TYPE_MISMATCH']);
  const f: TslDataType = { type: 'float', specs: { min: '-10.5', max: '10.5', step: '0.1' } };
  assert.deepEqual(codes(f, 3.25), []);
  assert.deepEqual(codes(f, 10.6), ['OUT_OF_RANGE']);
  assert.deepEqual(codes(f, Number.NaN), ['TYPE_MISMATCH']);
});

test('text, date, bool and enum', () => {
  const text: TslDataType = { type: 'text', specs: { length: '4' } };
  assert.deepEqual(codes(text, '浙A'), []);
  assert.deepEqual(codes(text, '浙A1'), ['TOO_LONG'], 'length counts UTF-8 bytes');
  assert.deepEqual(codes({ type: 'date', specs: {} }, 1795846429273), []);
  assert.deepEqual(codes({ type: 'date', specs: {} }, '1795846429273'), []);
  assert.deepEqual(codes({ type: 'date', specs: {} }, '2026-11-28'), ['TYPE_MISMATCH']);
  const bool: TslDataType = { type: 'bool', specs: { '0': '关', '1': '开' } };
  assert.deepEqual(codes(bool, 1), []);
  assert.deepEqual(codes(bool, 2), ['TYPE_MISMATCH']);
  const en: TslDataType = { type: 'enum', specs: { '0': '蓝', '1': '黄' } };
  assert.deepEqual(codes(en, 1), []);
  assert.deepEqual(codes(en, 7), ['NOT_IN_ENUM']);
});

test('struct and array values are checked field by field, with paths', () => {
  const plate: TslDataType = {
    type: 'struct',
    specs: [
      { identifier: 'number', name: '号牌', dataType: { type: 'text', specs: { length: '16' } }, required: true },
      { identifier: 'colour', name: '颜色', dataType: { type: 'enum', specs: { '0': '蓝', '1': '绿' } } },
    ],
  };
  assert.deepEqual(checkValue(plate, { number: '浙A12345', colour: 1 }), []);
  const errs = checkValue(plate, { colour: 9, extra: 1 });
  assert.deepEqual(errs.map((e) => `${e.code}@${e.path}`).sort(), [
    'MISSING_FIELD@number',
    'NOT_IN_ENUM@colour',
    'UNKNOWN_FIELD@extra',
  ]);
  const arr: TslDataType = { type: 'array', specs: { size: '3', item: { type: 'int', specs: { max: '9' } } } };
  assert.deepEqual(codes(arr, [1, 2, 3]), []);
  assert.deepEqual(codes(arr, [1, 2, 3, 4]), ['TOO_MANY_ITEMS']);
  assert.deepEqual(
    checkValue(arr, [1, 20]).map((e) => e.path),
    ['1'],
  );
});

test('property posts: unknown identifiers, read-only sets and the timed form', () => {
  const m = standardThingModels()['water-meter'];
  assert.deepEqual(checkProperties(m, { total: 12.5, flow: { value: 0.3, time: 1795846429273 } }), []);
  assert.deepEqual(
    checkProperties(m, { nope: 1 }).map((e) => e.code),
    ['UNKNOWN_FIELD'],
  );
  assert.deepEqual(
    checkProperties(m, { total: 1 }, true).map((e) => e.code),
    ['UNKNOWN_FIELD'],
    'total is read-only: a set is refused',
  );
  assert.deepEqual(checkProperties(m, { valve: 1 }, true), []);
  assert.deepEqual(
    checkProperties(m, [1]).map((e) => e.code),
    ['TYPE_MISMATCH'],
  );
});

test('the e-reading, training and fitness models carry who, how long and what; negative minutes are refused', () => {
  const models = standardThingModels();
  const eventOf = (model: string, id: string) => {
    const e = models[model].events.find((x) => x.identifier === id);
    assert.ok(e, `${model}.${id}`);
    return { type: 'struct', specs: e.outputData } as TslDataType;
  };
  assert.deepEqual(
    ['e-reader', 'training-terminal', 'fitness-equipment'].map((m) => [m, models[m].profile?.clause]),
    [
      ['e-reader', '6.2.3.4'],
      ['training-terminal', '6.2.3.4'],
      ['fitness-equipment', '6.2.3.1'],
    ],
  );
  const reading = eventOf('e-reader', 'reading');
  assert.deepEqual(checkValue(reading, { personRef: 'CARD-1', minutes: 45, title: '红楼梦', category: '文学' }), []);
  assert.deepEqual(codes(reading, { personRef: 'CARD-1', minutes: -5 }), ['OUT_OF_RANGE']);
  assert.deepEqual(codes(reading, { personRef: 'CARD-1', minutes: 12.5 }), ['TYPE_MISMATCH']);
  assert.deepEqual(codes(reading, { minutes: 10 }), ['MISSING_FIELD']);
  assert.deepEqual(codes(reading, { personRef: 'CARD-1', minutes: 2000 }), ['OUT_OF_RANGE'], 'a day at most');
  const checkIn = eventOf('training-terminal', 'checkIn');
  const checkOut = eventOf('training-terminal', 'checkOut');
  assert.deepEqual(checkValue(checkIn, { personRef: 'CARD-1', course: '智能手机课' }), []);
  assert.deepEqual(codes(checkIn, { personRef: 'CARD-1' }), ['MISSING_FIELD']);
  assert.deepEqual(checkValue(checkOut, { personRef: 'CARD-1', course: '智能手机课', minutes: 90 }), []);
  assert.deepEqual(codes(checkOut, { personRef: 'CARD-1', course: '智能手机课', minutes: -1 }), ['OUT_OF_RANGE']);
  assert.deepEqual(codes(checkOut, { personRef: 'CARD-1', course: '智能手机课' }), ['MISSING_FIELD']);
  const workout = eventOf('fitness-equipment', 'workout');
  assert.deepEqual(checkValue(workout, { personRef: 'CARD-1', kind: 1, minutes: 30, calories: 250.5 }), []);
  assert.deepEqual(codes(workout, { personRef: 'CARD-1', kind: 9, minutes: 30 }), ['NOT_IN_ENUM']);
  assert.deepEqual(codes(workout, { personRef: 'CARD-1', kind: 0, minutes: -30 }), ['OUT_OF_RANGE']);
  assert.deepEqual(codes(workout, { personRef: 'CARD-1', kind: 0, minutes: 30, calories: -1 }), ['OUT_OF_RANGE']);
});
