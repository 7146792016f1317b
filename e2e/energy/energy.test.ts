// 低碳能耗 end to end (DB33 7.2.2.5.1, .2, .5): a public lighting meter, a PV inverter, a ground-source heat pump and a
// household power meter of the demo community have readings last month and this month; they are rolled up into the
// IoT warehouse's daily layer (the raw rows then pruned, as retention does), before the platform starts. The operator
// opens 低碳能耗 and sees this month's public-facility consumption, PV generation, geothermal supply and the new-energy
// share, the household meter's 当月用电量 with the change on last month; the street official sees the community in
// the comparison.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { devices, openPglite, products, queryRows, regions, telemetry } from '@shequ/db';
import { rollUpTelemetry } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import { eq, sql } from 'drizzle-orm';
import { tableRows, text } from '../base-data/console-steps.ts';
import { type RunningPlatform, startPlatform } from '../support/platform.ts';
import { signIn } from '../support/sign-in.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ZONE = 'Asia/Shanghai';

/** Today in Shanghai, the first of this month and the first and last of the month before (YYYY-MM-DD). */
function calendar() {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
  const [y, m] = today.split('-').map(Number);
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  return {
    today,
    first: `${today.slice(0, 7)}-01`,
    prevFirst: iso(new Date(Date.UTC(y, m - 2, 1))),
    prevTenth: iso(new Date(Date.UTC(y, m - 2, 10))),
    prevLast: iso(new Date(Date.UTC(y, m - 1, 0))),
  };
}

function seed(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', 'platform/cli/src/bin.ts', 'seed'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shequ seed: ${code}`))));
  });
}

/** Three meters with readings at 10:00 Shanghai time on the given days, rolled up, the raw rows then pruned. */
async function meters(dataDir: string, env: Record<string, string>) {
  await seed(env);
  const database = await openPglite(join(dataDir, 'pglite'));
  try {
    const db = database.db;
    const [demo] = await db.select().from(regions).where(eq(regions.code, 'demo'));
    const models = standardThingModels();
    const c = calendar();
    const at = (day: string) => new Date(`${day}T02:00:00Z`).toISOString();
    const meter = async (model: string, name: string, key: string, deviceName: string) => {
      const [p] = await db
        .insert(products)
        .values({ communityId: demo.id, productKey: key, name, thingModel: models[model], createdBy: 'e2e' })
        .returning();
      const [d] = await db
        .insert(devices)
        .values({
          communityId: demo.id,
          productId: p.id,
          productKey: key,
          deviceName,
          secretCipher: 'unused',
          createdBy: 'e2e',
        })
        .returning();
      return d.id;
    };
    const lighting = await meter('energy-meter-lighting', '公共照明电表', 'e2elighting', 'lighting-1');
    const pv = await meter('pv-inverter', '屋顶光伏', 'e2epvinverter', 'pv-1');
    const home = await meter('power-meter', '户用电表', 'e2epowermeter', 'home-7-2-302');
    const gshp = await meter('ground-source-heat-pump', '地源热泵', 'e2egshp', 'gshp-1');
    const readings: Array<[string, string, string, number]> = [
      [lighting, 'energyTotal', c.prevFirst, 1000],
      [lighting, 'energyTotal', c.prevTenth, 1060],
      [lighting, 'energyTotal', c.prevLast, 1100],
      [lighting, 'energyTotal', c.first, 1130],
      [lighting, 'energyTotal', c.today, 1175],
      [pv, 'totalYield', c.prevFirst, 500],
      [pv, 'totalYield', c.prevLast, 540],
      [pv, 'totalYield', c.first, 560],
      [pv, 'totalYield', c.today, 590],
      [home, 'energyTotal', c.prevFirst, 200],
      [home, 'energyTotal', c.prevLast, 250],
      [home, 'energyTotal', c.first, 260],
      [home, 'energyTotal', c.today, 290],
      [gshp, 'suppliedEnergy', c.prevFirst, 3000],
      [gshp, 'suppliedEnergy', c.prevLast, 3030],
      [gshp, 'suppliedEnergy', c.first, 3040],
      [gshp, 'suppliedEnergy', c.today, 3050],
      [gshp, 'electricEnergy', c.prevFirst, 1000],
      [gshp, 'electricEnergy', c.prevLast, 1010],
      [gshp, 'electricEnergy', c.first, 1012],
      [gshp, 'electricEnergy', c.today, 1015],
    ];
    await db.insert(telemetry).values(
      readings.map(([deviceId, identifier, day, value], i) => ({
        communityId: demo.id,
        deviceId,
        kind: 'property' as const,
        identifier,
        value,
        // Two readings on one day (when today is the first) keep their order.
        time: new Date(Date.parse(at(day)) + i * 60_000).toISOString(),
      })),
    );
    await rollUpTelemetry(
      db,
      new Date(`${c.prevFirst}T00:00:00Z`),
      new Date(Date.parse(`${c.today}T00:00:00Z`) + 86_400_000),
    );
    await db.execute(sql`delete from iot.telemetry`);
    const [{ n }] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from iot.telemetry_rollups where grain = 'day'`,
    );
    assert.ok(n >= 9, `daily roll-ups written (${n})`);
  } finally {
    await database.close();
  }
}

let platform: RunningPlatform;

before(
  async () => {
    platform = await startPlatform({ prepare: meters });
  },
  { timeout: 240_000 },
);

after(async () => {
  await platform?.stop();
});

test('the operator sees the month of public-facility consumption, PV and a household meter against last month', async () => {
  const { session, page } = await signIn(platform, 'operator', /\/console$/);
  try {
    await page.getByRole('menuitem', { name: '低碳能耗' }).click();
    await page.waitForURL(/\/console\/energy$/);
    const total = page.getByTestId('energy-public-total');
    await total.getByText('75').waitFor();
    await page.getByTestId('energy-public-previous').getByText('上月 100 · -25.0%').waitFor();
    await page.getByTestId('energy-use-lighting').getByText('75').waitFor();
    assert.equal(await text(page.getByTestId('energy-supply-pv')), '50');
    assert.equal(await text(page.getByTestId('energy-supply-pvShare')), '66.7%');
    // Geothermal: 20 kWh supplied for 5 kWh of electricity; PV 50 and the ground's 15 over 75 consumed.
    assert.equal(await text(page.getByTestId('energy-supply-geothermal')), '20');
    assert.equal(await text(page.getByTestId('energy-supply-newEnergyShare')), '86.7%');
    await page.getByTestId('energy-households-power').getByText('40').waitFor();
    const row = page.getByTestId('energy-household-home-7-2-302');
    await row.getByText('40 kWh').waitFor();
    assert.equal(await text(row.getByTestId('change')), '-20.0%');
    assert.equal(await tableRows(page, 'energy-households').count(), 1);
    await page.getByTestId('energy-daily-chart').waitFor();
    await page.waitForFunction(
      `Array.from(document.querySelectorAll('[data-testid^="energy-bar-"]')).some((b) => Number(b.dataset.total) > 0)`,
    );
  } finally {
    await session.close();
  }
});

test('the street official compares the communities of the street, without per-meter figures', async () => {
  const { session, page } = await signIn(platform, 'gov', /\/gov$/);
  try {
    await page.getByRole('menuitem', { name: '低碳能耗' }).click();
    await page.waitForURL(/\/gov\/energy$/);
    const row = page.getByTestId('energy-compare').locator('tbody tr.ant-table-row').filter({ hasText: '示范社区' });
    await row.getByTestId('compare-public').getByText('75').waitFor();
    assert.match(await text(row.getByTestId('compare-power')), /^40/);
  } finally {
    await session.close();
  }
});
