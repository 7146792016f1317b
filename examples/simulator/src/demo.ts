import { join } from 'node:path';
import { type Database, regions } from '@shequ/db';
import type { IotDeps } from '@shequ/iot';
import { eq } from 'drizzle-orm';
import { simulatedCommunity } from './catalog.ts';
import { provision } from './provision.ts';
import { type SimEndpoints, Simulator } from './simulator.ts';

export interface DemoSimulatorOptions {
  database: Database;
  deps: IotDeps;
  /** The platform's data directory: the devices' secrets are kept in `simulator/devices.json` below it. */
  dataDir: string;
  rate: number;
  endpoints: SimEndpoints;
  /** The community the devices belong to (`demo` by default). */
  communityCode?: string;
  log?: { warn(o: object, msg: string): void };
}

/**
 * Provisions the simulated community's products and devices in the demo community (first run only) and starts
 * sending. Undefined when the community does not exist (a platform that was not seeded).
 */
export async function startDemoSimulator(o: DemoSimulatorOptions): Promise<Simulator | undefined> {
  const [community] = await o.database.db
    .select({ id: regions.id })
    .from(regions)
    .where(eq(regions.code, o.communityCode ?? 'demo'));
  if (!community) return undefined;
  const devices = await provision(simulatedCommunity, {
    deps: o.deps,
    scope: { kind: 'communities', ids: [community.id] },
    communityId: community.id,
    stateFile: join(o.dataDir, 'simulator', 'devices.json'),
    actor: { subject: 'system:simulator', role: 'platform_admin' },
  });
  const sim = new Simulator({ kinds: simulatedCommunity, devices, rate: o.rate, endpoints: o.endpoints, log: o.log });
  sim.start();
  return sim;
}
