// The 低碳能耗库 (DB33 7.2.2.5.1/.2/.3/.5): consumption, generation and supply from cumulative meter counters over the
// daily roll-ups (6.2.4.1/.2/.4/.5 meters), across Shanghai day boundaries, a counter reset and a missing day; the
// households' month with month-on-month change, paged; row-level security; figures unchanged after raw pruning.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { telemetry, testEngines } from '@shequ/db';
import { standardThingModels } from '@shequ/schemas';
import { createDevices } from '../registry/devices-service.ts';
import { createProduct } from '../registry/products-service.ts';
import { rollUpTelemetry } from '../registry/rollups.ts';
import { pruneTelemetry } from '../registry/telemetry-maintenance.ts';
import { actor, iotFixture } from '../testing.ts';
import { counterUse, energyDaily, energySummary, householdMonth, monthBounds } from './energy.ts';
import { countersOf } from './energy-catalog.ts';

test('a counter: first day, normal days, a missing day and a reset', () => {
  assert.deepEqual(
    counterUse(
      [
        { day: '2026-11-01', min: 10, max: 12 },
        { day: '2026-11-02', min: 13, max: 20 },
        { day: '2026-11-04', min: 30, max: 31 },
        { day: '2026-11-05', min: 2, max: 5 },
        { day: '2026-11-06', min: 6, max: 6 },
      ],
      null,
    ),
    [
      { day: '2026-11-01', use: 2, reset: false },
      { day: '2026-11-02', use: 8, reset: false },
      { day: '2026-11-04', use: 11, reset: false },
      { day: '2026-11-05', use: 3, reset: true },
      { day: '2026-11-06', use: 1, reset: false },
    ],
  );
  assert.deepEqual(counterUse([{ day: '2026-11-01', min: 12, max: 15 }], 10), [
    { day: '2026-11-01', use: 5, reset: false },
  ]);
  assert.deepEqual(monthBounds('2026-01'), { first: '2026-01-01', next: '2026-02-01', previous: '2025-12' });
  assert.throws(() => monthBounds('2026-13'));
});

test('the catalog maps standard models by profile category, clause and name to their counters', () => {
  const m = standardThingModels();
  assert.deepEqual(
    countersOf(m['energy-meter-lift']).map((c) => [c.measure, c.identifier]),
    [['lift', 'energyTotal']],
  );
  assert.deepEqual(
    countersOf(m['heat-cool-meter']).map((c) => c.measure),
    ['heat', 'cool'],
  );
  assert.deepEqual(
    countersOf(m['pv-inverter']).map((c) => c.identifier),
    ['totalYield'],
  );
  assert.deepEqual(
    countersOf(m['gas-meter']).map((c) => [c.measure, c.identifier]),
    [['gas', 'total']],
  );
  assert.deepEqual(
    countersOf(m['ground-source-heat-pump']).map((c) => [c.measure, c.identifier, c.unit]),
    [
      ['geothermal', 'suppliedEnergy', 'kWh'],
      ['geothermalInput', 'electricEnergy', 'kWh'],
    ],
  );
  // Two renewable (6.2.4.2) models: a maker's renamed PV inverter is still told by the counter it declares.
  const pv = m['pv-inverter'];
  assert.deepEqual(
    countersOf({ ...pv, profile: { ...pv.profile, name: '组串式逆变器' } }).map((c) => c.measure),
    ['pv'],
  );
  assert.deepEqual(countersOf({ ...pv, profile: { ...pv.profile, name: '其他' }, properties: [] }), []);
  assert.deepEqual(countersOf(m['smoke-detector']), []);
  assert.deepEqual(countersOf({ profile: { category: 'energy', clause: '6.2.4.1', name: '其他' } }), []);
});

for (const engine of testEngines()) {
  describe(`energy analysis over the roll-ups (${engine})`, () => {
    let f: Awaited<ReturnType<typeof iotFixture>>;
    before(async () => {
      f = await iotFixture(engine);
      const make = async (model: string, name: string) => (await f.standardDevices(model, name, [`${model}-1`]))[0].id;
      const lighting = await make('energy-meter-lighting', '照明');
      const hvac = await make('energy-meter-hvac', '空调');
      const pv = await make('pv-inverter', '光伏');
      const heat = await make('heat-cool-meter', '冷热');
      const [p1, p2] = f.devices.map((d) => d.id);
      const row = (deviceId: string, identifier: string, iso: string, value: number) => ({
        communityId: f.communityId,
        deviceId,
        kind: 'property' as const,
        identifier,
        value,
        time: iso,
      });
      await f.database.db.insert(telemetry).values([
        // Household power meter 1: 100 before October; 140 at 23:30 on 31 October in Hangzhou (15:30 UTC); 141 at
        // 00:30 on 1 November (16:30 UTC on 31 October) counts in November.
        row(p1, 'energyTotal', '2026-09-30T04:00:00Z', 100),
        row(p1, 'energyTotal', '2026-10-10T04:00:00Z', 110),
        row(p1, 'energyTotal', '2026-10-20T04:00:00Z', 130),
        row(p1, 'energyTotal', '2026-10-31T15:30:00Z', 140),
        row(p1, 'energyTotal', '2026-10-31T16:30:00Z', 141),
        row(p1, 'energyTotal', '2026-11-15T04:00:00Z', 160),
        row(p1, 'activePower', '2026-11-15T04:00:00Z', 3.5),
        // Household power meter 2: replaced on 3 November (counter back to 20).
        row(p2, 'energyTotal', '2026-10-05T04:00:00Z', 500),
        row(p2, 'energyTotal', '2026-10-06T04:00:00Z', 510),
        row(p2, 'energyTotal', '2026-11-03T02:00:00Z', 20),
        row(p2, 'energyTotal', '2026-11-03T06:00:00Z', 25),
        row(p2, 'energyTotal', '2026-11-04T04:00:00Z', 30),
        // Lighting: no reading on 2 November; what it counted lands on the 3rd.
        row(lighting, 'energyTotal', '2026-10-31T04:00:00Z', 1000),
        row(lighting, 'energyTotal', '2026-11-01T04:00:00Z', 1010),
        row(lighting, 'energyTotal', '2026-11-03T04:00:00Z', 1040),
        row(hvac, 'energyTotal', '2026-11-01T01:00:00Z', 200),
        row(hvac, 'energyTotal', '2026-11-01T09:00:00Z', 250),
        row(hvac, 'energyTotal', '2026-11-02T04:00:00Z', 300),
        row(hvac, 'activePower', '2026-11-02T04:00:00Z', 80),
        row(pv, 'totalYield', '2026-10-31T04:00:00Z', 5000),
        row(pv, 'totalYield', '2026-11-01T04:00:00Z', 5020),
        row(pv, 'dailyYield', '2026-11-01T04:00:00Z', 20),
        row(pv, 'totalYield', '2026-11-02T04:00:00Z', 5050),
        row(heat, 'heatEnergy', '2026-10-31T04:00:00Z', 0),
        row(heat, 'heatEnergy', '2026-11-02T04:00:00Z', 12),
        row(heat, 'coolEnergy', '2026-11-01T04:00:00Z', 7),
        row(heat, 'coolEnergy', '2026-11-02T04:00:00Z', 9),
      ]);
      await rollUpTelemetry(f.database.db, new Date('2026-09-29T00:00:00Z'), new Date('2026-11-16T00:00:00Z'));
    });
    after(async () => {
      await f?.close();
    });

    const daily = () => energyDaily(f.iot.deps, f.scope, f.communityId, { from: '2026-11-01', to: '2026-11-03' });

    test('public-facility use by use per day (7.2.2.5.1), PV (7.2.2.5.2), heat and cool (7.2.2.5.3)', async () => {
      const r = await daily();
      assert.deepEqual(
        r.days.map((d) => [d.day, d.lighting, d.hvac, d.lift, d.ev, d.public, d.pv, d.heat, d.cool]),
        [
          ['2026-11-01', 10, 50, 0, 0, 60, 20, 0, 0],
          ['2026-11-02', 0, 50, 0, 0, 50, 30, 12, 2],
          ['2026-11-03', 30, 0, 0, 0, 30, 0, 0, 0],
        ],
      );
      assert.equal(r.totals.public, 140);
      assert.equal(r.totals.pv, 50);
      assert.equal(r.totals.power, 0, 'household meters are not public facilities');
      assert.equal(r.meters.lighting, 1);
      assert.equal(r.units.water, 'm³');
      await assert.rejects(energyDaily(f.iot.deps, f.scope, f.communityId, { from: '2026-11-03', to: '2026-11-01' }));
      await assert.rejects(energyDaily(f.iot.deps, f.scope, f.communityId, { from: '2026-01-01', to: '2026-11-01' }));
    });

    test('a month against the one before, with PV over public consumption', async () => {
      const s = await energySummary(f.iot.deps, f.scope, f.communityId, { month: '2026-11' });
      assert.equal(s.previousMonth, '2026-10');
      assert.deepEqual(
        [s.current.lighting, s.current.hvac, s.current.public, s.current.pv, s.current.heat, s.current.cool],
        [40, 100, 140, 50, 12, 2],
      );
      assert.equal(s.current.pvShare, 0.357);
      assert.deepEqual([s.current.power, s.previous.power], [30, 50]);
      assert.equal(s.previous.public, 0);
      assert.equal(s.previous.pvShare, null);
      assert.equal(s.resets, 1);
    });

    test("households' month (7.2.2.5.5): 当月用电量 and month-on-month, a page at a time", async () => {
      const first = await householdMonth(f.iot.deps, f.scope, f.communityId, { month: '2026-11', limit: 1 });
      assert.equal(first.rows.length, 1);
      assert.deepEqual(
        [first.rows[0].deviceName, first.rows[0].utility, first.rows[0].use, first.rows[0].previous],
        ['meter-0001', 'power', 20, 40],
      );
      assert.deepEqual([first.rows[0].change, first.rows[0].changePct, first.rows[0].unit], [-20, -0.5, 'kWh']);
      assert.ok(first.next);
      const second = await householdMonth(f.iot.deps, f.scope, f.communityId, {
        month: '2026-11',
        limit: 1,
        after: first.next,
      });
      assert.deepEqual(
        second.rows.map((r) => [r.deviceName, r.use, r.previous, r.change, r.reset]),
        [['meter-0002', 10, 10, 0, true]],
      );
      const third = await householdMonth(f.iot.deps, f.scope, f.communityId, {
        month: '2026-11',
        limit: 1,
        after: second.next ?? undefined,
      });
      assert.deepEqual([third.rows, third.next], [[], null]);
      const water = await householdMonth(f.iot.deps, f.scope, f.communityId, { month: '2026-11', utility: 'water' });
      assert.deepEqual(water.rows, [], 'no water meters in this community');
      const empty = await householdMonth(f.iot.deps, f.scope, f.communityId, { month: '2026-12' });
      assert.deepEqual(
        empty.rows.map((r) => [r.use, r.previous, r.change]),
        [
          [null, 20, null],
          [null, 10, null],
        ],
        'no reading in the month: no use (not zero)',
      );
    });

    test('another community sees none of it (row-level security)', async () => {
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000000'] };
      const h = await householdMonth(f.iot.deps, other, f.communityId, { month: '2026-11' });
      assert.deepEqual(h.rows, []);
      const d = await energyDaily(f.iot.deps, other, f.communityId, { from: '2026-11-01', to: '2026-11-03' });
      assert.equal(d.totals.public, 0);
    });

    test('the figures come from the roll-ups: unchanged once the raw telemetry is pruned', async () => {
      const before = await daily();
      const month = await householdMonth(f.iot.deps, f.scope, f.communityId, { month: '2026-11' });
      await pruneTelemetry(f.database.db, 90, new Date('2027-03-01T00:00:00Z'));
      assert.deepEqual(await daily(), before);
      assert.deepEqual(await householdMonth(f.iot.deps, f.scope, f.communityId, { month: '2026-11' }), month);
    });

    test("households' water and gas meters (6.2.4.5): 当月用水量 and 用气量 from their `total` counters", async () => {
      const meter = async (model: string, name: string) => (await f.standardDevices(model, name, [`${model}-1`]))[0].id;
      const water = await meter('water-meter', '水表');
      const gas = await meter('gas-meter', '燃气表');
      const reading = (deviceId: string, iso: string, value: number) => ({
        communityId: f.communityId,
        deviceId,
        kind: 'property' as const,
        identifier: 'total',
        value,
        time: iso,
      });
      await f.database.db
        .insert(telemetry)
        .values([
          reading(water, '2026-12-31T04:00:00Z', 300),
          reading(water, '2027-01-15T04:00:00Z', 306.5),
          reading(water, '2027-01-31T04:00:00Z', 312),
          reading(gas, '2026-12-31T04:00:00Z', 80),
          reading(gas, '2027-01-20T04:00:00Z', 95.25),
        ]);
      await rollUpTelemetry(f.database.db, new Date('2026-12-30T00:00:00Z'), new Date('2027-02-01T00:00:00Z'));
      const of = async (utility: 'water' | 'gas') =>
        (await householdMonth(f.iot.deps, f.scope, f.communityId, { month: '2027-01', utility })).rows.map((r) => [
          r.utility,
          r.use,
          r.daysWithReadings,
        ]);
      assert.deepEqual(await of('water'), [['water', 12, 2]]);
      assert.deepEqual(await of('gas'), [['gas', 15.25, 1]]);
      const month = await energySummary(f.iot.deps, f.scope, f.communityId, { month: '2027-01' });
      assert.deepEqual([month.current.water, month.current.gas], [12, 15.25]);
    });

    test('new energy (6.2.4.2, 7.2.2.5.2): geothermal supply per day and month beside PV, and in the new-energy share', async () => {
      const models = standardThingModels();
      const device = async (thingModel: unknown, name: string, deviceName: string) => {
        const p = await createProduct(f.iot.deps, f.scope, f.communityId, { name, thingModel }, actor);
        const [d] = await createDevices(f.iot.deps, f.scope, p.productKey, [{ deviceName }], actor);
        return d.id;
      };
      const pvModel = models['pv-inverter'];
      const gshp = await device(models['ground-source-heat-pump'], '地源热泵', 'gshp-1');
      const pv = await device(
        { ...pvModel, profile: { ...pvModel.profile, name: '组串式逆变器' } },
        '车棚光伏',
        'pv-2',
      );
      const lighting = await device(models['energy-meter-lighting'], '地库照明', 'lighting-2');
      const row = (deviceId: string, identifier: string, iso: string, value: number) => ({
        communityId: f.communityId,
        deviceId,
        kind: 'property' as const,
        identifier,
        value,
        time: iso,
      });
      await f.database.db
        .insert(telemetry)
        .values([
          row(gshp, 'suppliedEnergy', '2027-02-28T04:00:00Z', 10000),
          row(gshp, 'suppliedEnergy', '2027-03-01T04:00:00Z', 10400),
          row(gshp, 'suppliedEnergy', '2027-03-02T04:00:00Z', 10800),
          row(gshp, 'electricEnergy', '2027-02-28T04:00:00Z', 2500),
          row(gshp, 'electricEnergy', '2027-03-01T04:00:00Z', 2600),
          row(gshp, 'electricEnergy', '2027-03-02T04:00:00Z', 2700),
          row(gshp, 'thermalPower', '2027-03-02T04:00:00Z', 16.5),
          row(pv, 'totalYield', '2027-02-28T04:00:00Z', 9000),
          row(pv, 'totalYield', '2027-03-02T04:00:00Z', 9200),
          row(lighting, 'energyTotal', '2027-02-28T04:00:00Z', 5000),
          row(lighting, 'energyTotal', '2027-03-02T04:00:00Z', 6000),
        ]);
      await rollUpTelemetry(f.database.db, new Date('2027-02-27T00:00:00Z'), new Date('2027-03-03T00:00:00Z'));
      const d = await energyDaily(f.iot.deps, f.scope, f.communityId, { from: '2027-03-01', to: '2027-03-02' });
      assert.deepEqual(
        d.days.map((x) => [x.day, x.public, x.pv, x.geothermal, x.geothermalInput, x.newEnergy]),
        [
          ['2027-03-01', 0, 0, 400, 100, 300],
          ['2027-03-02', 1000, 200, 400, 100, 500],
        ],
      );
      assert.deepEqual(
        [d.totals.geothermal, d.totals.newEnergy, d.meters.geothermal, d.units.geothermal],
        [800, 800, 1, 'kWh'],
      );
      const s = await energySummary(f.iot.deps, f.scope, f.communityId, { month: '2027-03' });
      assert.deepEqual(
        [s.current.public, s.current.pv, s.current.geothermal, s.current.geothermalInput, s.current.geothermalGain],
        [1000, 200, 800, 200, 600],
      );
      // PV 200 and the ground's 600 (800 supplied less the heat pump's 200 kWh of electricity) over 1000 consumed.
      assert.deepEqual([s.current.newEnergy, s.current.newEnergyShare, s.current.pvShare], [800, 0.8, 0.2]);
      assert.deepEqual([s.previous.geothermal, s.previous.newEnergyShare], [0, null]);
      const other = { kind: 'communities' as const, ids: ['00000000-0000-4000-8000-000000000000'] };
      const hidden = await energySummary(f.iot.deps, other, f.communityId, { month: '2027-03' });
      assert.equal(hidden.current.geothermal, 0);
    });
  });
}
