import { readFileSync } from 'node:fs';
import type { Config } from '@shequ/core';
import { callApi } from './api-client.ts';
import { str } from './args.ts';

type Flags = Record<string, string | true>;

const print = (flags: Flags, json: unknown, text: string) => console.log(flags.json ? JSON.stringify(json) : text);

/** `shequ product create --name N --tsl FILE --community CODE [--json]`. */
export async function productCreate(config: Config, flags: Flags): Promise<number> {
  const name = str(flags.name);
  const tsl = str(flags.tsl);
  const community = str(flags.community);
  if (!name || !tsl || !community) {
    console.error('usage: shequ product create --name N --tsl FILE --community CODE [--gateway] [--json]');
    return 2;
  }
  let thingModel: unknown;
  try {
    thingModel = JSON.parse(readFileSync(tsl, 'utf8'));
  } catch (err) {
    console.error(`cannot read the thing model ${tsl}: ${(err as Error).message}`);
    return 2;
  }
  const r = await callApi<{ productKey: string }>(config, flags, 'mutation', 'iot.products.create', {
    community,
    name,
    thingModel,
    nodeType: flags.gateway ? 'gateway' : 'device',
  });
  print(flags, { productKey: r.productKey }, `product created: ${r.productKey}`);
  return 0;
}

/** `shequ device create --product PK --name DN [--location TEXT] [--json]`: the secret is shown this once. */
export async function deviceCreate(config: Config, flags: Flags): Promise<number> {
  const productKey = str(flags.product);
  const deviceName = str(flags.name);
  if (!productKey || !deviceName) {
    console.error('usage: shequ device create --product PK --name DN [--location TEXT] [--json]');
    return 2;
  }
  const r = await callApi<{ productKey: string; deviceName: string; deviceSecret: string }>(
    config,
    flags,
    'mutation',
    'iot.devices.create',
    { productKey, deviceName, ...(str(flags.location) ? { location: str(flags.location) } : {}) },
  );
  const out = { productKey: r.productKey, deviceName: r.deviceName, deviceSecret: r.deviceSecret };
  print(flags, out, `device ${r.productKey}/${r.deviceName} created; secret (shown once): ${r.deviceSecret}`);
  return 0;
}

/**
 * `shequ device import --product PK FILE [--json]`: registers every row of a `deviceName[,nickname][,location]` CSV or none;
 * prints the new secrets once, as CSV (or JSON), for provisioning.
 */
export async function deviceImport(config: Config, flags: Flags, file?: string): Promise<number> {
  const productKey = str(flags.product);
  if (!productKey || !file) {
    console.error(
      'usage: shequ device import --product PK FILE [--json]   (CSV header: deviceName[,nickname][,location])',
    );
    return 2;
  }
  let csv: string;
  try {
    csv = readFileSync(file, 'utf8');
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const rows = await callApi<Array<{ productKey: string; deviceName: string; deviceSecret: string }>>(
    config,
    flags,
    'mutation',
    'iot.devices.importCsv',
    { productKey, csv },
  );
  const out = rows.map((r) => ({ productKey: r.productKey, deviceName: r.deviceName, deviceSecret: r.deviceSecret }));
  print(
    flags,
    out,
    ['productKey,deviceName,deviceSecret', ...out.map((r) => `${r.productKey},${r.deviceName},${r.deviceSecret}`)].join(
      '\n',
    ),
  );
  return 0;
}

/** `shequ device show PK DN [--json]`: state, latest properties and shadow. */
export async function deviceShow(config: Config, flags: Flags, productKey?: string, deviceName?: string) {
  if (!productKey || !deviceName) {
    console.error('usage: shequ device show PK DN [--json]');
    return 2;
  }
  const r = await callApi<{
    status: string;
    online: boolean;
    location: string | null;
    properties: Record<string, { value: unknown; time: number }>;
  }>(config, flags, 'query', 'iot.devices.get', { productKey, deviceName });
  const lines = Object.entries(r.properties).map(
    ([k, v]) => `  ${k} = ${JSON.stringify(v.value)}  (${new Date(v.time).toISOString()})`,
  );
  const where = r.location ? `  @ ${r.location}` : '';
  print(
    flags,
    r,
    [`${productKey}/${deviceName}: ${r.status}${r.online ? ' (online)' : ''}${where}`, ...lines].join('\n'),
  );
  return 0;
}

/** `shequ mqtt-account create --name N --community CODE --topics 'PATTERN,…' [--json]`: the password is shown once. */
export async function mqttAccountCreate(config: Config, flags: Flags): Promise<number> {
  const name = str(flags.name);
  const community = str(flags.community);
  const topics = str(flags.topics)
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!name || !community || !topics?.length) {
    console.error("usage: shequ mqtt-account create --name N --community CODE --topics 'PATTERN,…' [--json]");
    return 2;
  }
  const r = await callApi<{ username: string; password: string }>(config, flags, 'mutation', 'iot.accounts.create', {
    community,
    name,
    topics,
  });
  print(
    flags,
    { username: r.username, password: r.password },
    `account ${r.username}, password (shown once): ${r.password}`,
  );
  return 0;
}
