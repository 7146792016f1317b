import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** `shequ device create --product PK --name DN [--location TEXT] [--dev-eui EUI] [--json]`: the secret is shown once. */
export async function deviceCreate(config: Config, flags: Flags): Promise<number> {
  const productKey = str(flags.product);
  const deviceName = str(flags.name);
  if (!productKey || !deviceName) {
    console.error('usage: shequ device create --product PK --name DN [--location TEXT] [--dev-eui EUI] [--json]');
    return 2;
  }
  const r = await callApi<{ productKey: string; deviceName: string; deviceSecret: string }>(
    config,
    flags,
    'mutation',
    'iot.devices.create',
    {
      productKey,
      deviceName,
      ...(str(flags.location) ? { location: str(flags.location) } : {}),
      ...(str(flags['dev-eui']) ? { devEui: str(flags['dev-eui']) } : {}),
    },
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

const certUsage = `usage: shequ device cert issue PK DN [--csr FILE] [--days N] [--require] [--out DIR] [--json]
       shequ device cert list PK DN [--json]
       shequ device cert revoke PK DN SERIAL [--json]
       shequ device cert require PK DN on|off [--json]`;

/**
 * `shequ device cert …`: X.509 client certificates from the platform's device CA (DB33 9.2.1.1). `issue` writes
 * `<DN>.crt`, `<DN>.key` (unless the key came from the device's CSR) and `device-ca.crt` into --out (default: the
 * current directory); the platform keeps no copy of a key it made.
 */
export async function deviceCert(config: Config, flags: Flags, args: (string | undefined)[]): Promise<number> {
  const [op, productKey, deviceName, extra] = args;
  if (!op || !productKey || !deviceName) {
    console.error(certUsage);
    return 2;
  }
  const device = { productKey, deviceName };
  if (op === 'issue') {
    const csrFile = str(flags.csr);
    let csrPem: string | undefined;
    if (csrFile) {
      try {
        csrPem = readFileSync(csrFile, 'utf8');
      } catch (err) {
        console.error(`cannot read the certificate request ${csrFile}: ${(err as Error).message}`);
        return 2;
      }
    }
    const days = flags.days === undefined ? undefined : Number(flags.days);
    if (days !== undefined && !Number.isInteger(days)) {
      console.error(`--days must be a whole number of days\n${certUsage}`);
      return 2;
    }
    const r = await callApi<{
      serial: string;
      fingerprint: string;
      notAfter: string;
      certificatePem: string;
      privateKeyPem?: string;
      caPem: string;
      requireCertificate: boolean;
    }>(config, flags, 'mutation', 'iot.devices.certificates.issue', {
      ...device,
      csrPem,
      days,
      requireCertificate: flags.require ? true : undefined,
    });
    const dir = str(flags.out) ?? '.';
    mkdirSync(dir, { recursive: true });
    const written = [join(dir, `${deviceName}.crt`), join(dir, 'device-ca.crt')];
    writeFileSync(written[0], r.certificatePem);
    writeFileSync(written[1], r.caPem);
    if (r.privateKeyPem) {
      const keyFile = join(dir, `${deviceName}.key`);
      writeFileSync(keyFile, r.privateKeyPem, { mode: 0o600 });
      written.push(keyFile);
    }
    const { privateKeyPem: _key, ...shown } = r;
    print(
      flags,
      { ...shown, files: written },
      [
        `certificate ${r.serial} for ${productKey}/${deviceName}, valid until ${r.notAfter}`,
        `sha256 ${r.fingerprint}`,
        `written: ${written.join(', ')}${r.privateKeyPem ? ' (the key is not kept by the platform)' : ''}`,
        r.requireCertificate ? 'the device now connects only with a certificate' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    return 0;
  }
  if (op === 'list') {
    const r = await callApi<{
      requireCertificate: boolean;
      certificates: { serial: string; status: string; notAfter: string; keySource: string }[];
    }>(config, flags, 'query', 'iot.devices.certificates.list', device);
    const lines = r.certificates.map((c) => `  ${c.serial}  ${c.status}  until ${c.notAfter}  key: ${c.keySource}`);
    print(
      flags,
      r,
      [
        `${productKey}/${deviceName}: ${r.requireCertificate ? 'certificate only' : 'certificate or secret'}`,
        ...lines,
      ].join('\n'),
    );
    return 0;
  }
  if (op === 'revoke' && extra) {
    const r = await callApi<{ serial: string; revokedAt: string }>(
      config,
      flags,
      'mutation',
      'iot.devices.certificates.revoke',
      { ...device, serial: extra },
    );
    print(flags, r, `certificate ${r.serial} revoked at ${r.revokedAt}`);
    return 0;
  }
  if (op === 'require' && (extra === 'on' || extra === 'off')) {
    const r = await callApi<{ requireCertificate: boolean }>(
      config,
      flags,
      'mutation',
      'iot.devices.certificates.setRequired',
      { ...device, required: extra === 'on' },
    );
    print(flags, r, r.requireCertificate ? 'certificate-only access on' : 'certificate-only access off');
    return 0;
  }
  console.error(certUsage);
  return 2;
}

/**
 * `shequ product codec set PK --file codec.js` (checked in the sandbox, then stored), `… codec clear PK`,
 * `… codec show PK`, `… codec test PK HEX [--file codec.js] [--fport N]` (decodes the bytes, stores nothing).
 */
export async function productCodec(config: Config, flags: Flags, args: string[]): Promise<number> {
  const [op, productKey, hex] = args;
  const usage =
    'usage: shequ product codec set PK --file FILE | clear PK | show PK | test PK HEX [--file FILE] [--fport N] [--json]';
  if (!op || !productKey || (op === 'test' && !hex)) {
    console.error(usage);
    return 2;
  }
  const file = str(flags.file);
  let script: string | undefined;
  if (file) {
    try {
      script = readFileSync(file, 'utf8');
    } catch (err) {
      console.error(`cannot read the codec ${file}: ${(err as Error).message}`);
      return 2;
    }
  }
  switch (op) {
    case 'set': {
      if (script === undefined) {
        console.error(usage);
        return 2;
      }
      const r = await callApi<{ productKey: string; decode: boolean; encode: boolean }>(
        config,
        flags,
        'mutation',
        'iot.products.codec.set',
        { productKey, script },
      );
      const both = r.encode ? 'rawDataToProtocol and protocolToRawData' : 'rawDataToProtocol (uplink only)';
      print(flags, r, `codec of ${productKey} stored: ${both}`);
      return 0;
    }
    case 'clear': {
      const r = await callApi(config, flags, 'mutation', 'iot.products.codec.set', { productKey, script: null });
      print(flags, r, `codec of ${productKey} removed`);
      return 0;
    }
    case 'show': {
      const r = await callApi<{ script: string | null }>(config, flags, 'query', 'iot.products.codec.get', {
        productKey,
      });
      print(flags, r, r.script ?? `${productKey} has no codec`);
      return 0;
    }
    case 'test': {
      const fPort = str(flags.fport);
      const r = await callApi<{ ok: boolean; value?: unknown; error?: { kind: string; message: string } }>(
        config,
        flags,
        'mutation',
        'iot.products.codec.test',
        { productKey, hex, ...(script !== undefined ? { script } : {}), ...(fPort ? { fPort: Number(fPort) } : {}) },
      );
      print(flags, r, r.ok ? JSON.stringify(r.value, null, 2) : `codec failed (${r.error?.kind}): ${r.error?.message}`);
      return r.ok ? 0 : 1;
    }
  }
  console.error(usage);
  return 2;
}

/** `shequ device deveui PK DN EUI|none`: sets or clears the LoRaWAN DevEUI a network server names the device by. */
export async function deviceDevEui(config: Config, flags: Flags, args: string[]): Promise<number> {
  const [productKey, deviceName, eui] = args;
  if (!productKey || !deviceName || !eui) {
    console.error('usage: shequ device deveui PK DN EUI|none [--json]');
    return 2;
  }
  const r = await callApi<{ devEui: string | null }>(config, flags, 'mutation', 'iot.devices.setDevEui', {
    productKey,
    deviceName,
    devEui: eui === 'none' ? null : eui,
  });
  print(flags, r, `${productKey}/${deviceName}: DevEUI ${r.devEui ?? 'cleared'}`);
  return 0;
}
