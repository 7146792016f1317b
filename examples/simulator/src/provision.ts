import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Actor } from '@shequ/core';
import type { DataScope } from '@shequ/db';
import { createDevices, createProduct, type IotDeps, listProducts, rotateSecret } from '@shequ/iot';
import { standardThingModels } from '@shequ/schemas';
import type { SimKind } from './catalog.ts';

/** A provisioned simulated device: its kind, identity and secret. */
export interface SimDevice {
  model: string;
  productKey: string;
  deviceName: string;
  deviceSecret: string;
}

export interface ProvisionOptions {
  deps: IotDeps;
  scope: DataScope;
  communityId: string;
  /** Where the devices' secrets are kept between runs (the platform shows a secret only once). */
  stateFile: string;
  actor: Actor;
}

function readState(file: string): SimDevice[] {
  if (!existsSync(file)) return [];
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { devices?: SimDevice[] };
    return Array.isArray(s.devices) ? s.devices : [];
  } catch {
    return [];
  }
}

/**
 * Registers the simulated products and devices through the platform's services, as an integrator would: on the
 * first run it creates them and keeps the secrets in a state file (mode 600); later runs reuse the file. A device
 * that exists but whose secret was lost (file deleted, another data directory) gets a new secret by rotation.
 */
export async function provision(kinds: SimKind[], o: ProvisionOptions): Promise<SimDevice[]> {
  const known = new Map(readState(o.stateFile).map((d) => [`${d.productKey}/${d.deviceName}`, d]));
  const products = await listProducts(o.deps, o.scope, o.communityId);
  const models = standardThingModels();
  const out: SimDevice[] = [];
  for (const kind of kinds) {
    const productKey =
      products.find((p) => p.name === kind.product)?.productKey ??
      (
        await createProduct(
          o.deps,
          o.scope,
          o.communityId,
          { name: kind.product, thingModel: models[kind.model] },
          o.actor,
        )
      ).productKey;
    const names = Array.from({ length: kind.count }, (_, i) => `sim-${kind.model}-${String(i + 1).padStart(2, '0')}`);
    const missing = names.filter((n) => !known.has(`${productKey}/${n}`));
    for (const n of names) {
      const d = known.get(`${productKey}/${n}`);
      if (d) out.push({ ...d, model: kind.model });
    }
    if (missing.length === 0) continue;
    try {
      const created = await createDevices(
        o.deps,
        o.scope,
        productKey,
        missing.map((deviceName) => ({ deviceName })),
        o.actor,
      );
      out.push(
        ...created.map((c) => ({
          model: kind.model,
          productKey,
          deviceName: c.deviceName,
          deviceSecret: c.deviceSecret,
        })),
      );
    } catch (err) {
      if ((err as { code?: string }).code !== 'CONFLICT') throw err;
      // Registered before, secret lost: a new one, the old one invalid at once (nothing else uses it).
      for (const deviceName of missing) {
        const r = await rotateSecret(o.deps, o.scope, productKey, deviceName, 0, o.actor).catch(async () => {
          const [c] = await createDevices(o.deps, o.scope, productKey, [{ deviceName }], o.actor);
          return c;
        });
        out.push({ model: kind.model, productKey, deviceName, deviceSecret: r.deviceSecret });
      }
    }
  }
  mkdirSync(dirname(o.stateFile), { recursive: true });
  writeFileSync(o.stateFile, `${JSON.stringify({ devices: out }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(o.stateFile, 0o600);
  return out;
}
