import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Config,
  ConfigError,
  loadConfig,
  openPlatform,
  sampleSizes,
  seedSample,
  type VerifyReport,
} from '@shequ/core';
import { acquireDataDirLock, migrate, openPglite, openPostgres } from '@shequ/db';
import { callApi } from './api-client.ts';
import { parseArgs, str } from './args.ts';
import { importCommand, peopleCount } from './base-commands.ts';
import { esignCommand, esignUsage } from './esign-commands.ts';
import {
  deviceCert,
  deviceCreate,
  deviceDevEui,
  deviceImport,
  deviceShow,
  mqttAccountCreate,
  productCodec,
  productCreate,
} from './iot-commands.ts';
import { marketCommand, marketUsage } from './market-commands.ts';
import { pluginCommand, pluginUsage } from './plugin-commands.ts';
import { type Role, start } from './start.ts';

const usage = `shequ — Shequ 社区 platform CLI

  shequ start [--role all|api|web|worker|iot[,…]] run the platform (default: every role, embedded defaults)
  shequ migrate                             apply database migrations
  shequ seed [--size small|large]           seed the demo community; --size small adds 2,000 households,
                                            5,000 people, 1,500 vehicles, 12 public spaces and 12 facilities;
                                            --size large does that in the demo community and 199 more
                                            (sample001…): 1,000,000 people (idempotent)
  shequ audit verify                        check the audit hash chain; exit 1 naming the first broken record
  shequ audit export [--out FILE]           write a signed audit archive
  shequ import <people|houses|vehicles|spaces|facilities> FILE --community CODE [--dry-run] [--json]
  shequ people count --community CODE [--json]
  shequ product create --name N --tsl FILE --community CODE [--gateway] [--json]
  shequ product codec set PK --file FILE    store a raw-data codec (rawDataToProtocol / protocolToRawData)
  shequ product codec clear|show PK | test PK HEX [--file FILE] [--fport N]   (test decodes, stores nothing)
  shequ device create --product PK --name DN [--location TEXT] [--dev-eui EUI] [--json]   (secret shown once)
  shequ device import --product PK FILE [--json]          CSV deviceName[,nickname][,location][,devEui]; all or none
  shequ device deveui PK DN EUI|none [--json]             LoRaWAN DevEUI (network-server uplinks find the device)
  shequ device show PK DN [--json]                        state, latest properties, shadow
  shequ device cert issue PK DN [--csr FILE] [--days N] [--require] [--out DIR] [--json]
                                            X.509 client certificate from the device CA (MQTT over TLS)
  shequ device cert list|revoke|require PK DN [SERIAL|on|off] [--json]
  shequ mqtt-account create --name N --community CODE --topics 'PATTERN,…' [--json]
  shequ user create --name N [--username U] [--phone P] [--password PW] --role ROLE [--region CODE]
${esignUsage}
${pluginUsage}
${marketUsage}

Admin commands talk to the running platform (found via SHEQU_DATA_DIR) or to --url with --token.`;

async function main(): Promise<number> {
  const { positionals, flags } = parseArgs(process.argv.slice(2));
  const [cmd, sub] = positionals;
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  switch (cmd) {
    case 'start': {
      const roles = (str(flags.role) ?? 'all').split(',') as Role[];
      const unknown = roles.find((r) => !['all', 'api', 'web', 'worker', 'iot'].includes(r));
      if (unknown !== undefined) {
        console.error(`unknown role "${unknown}": expected all, api, web, worker or iot (or a list such as api,iot)`);
        return 2;
      }
      await start(config, roles);
      return -1;
    }
    case 'migrate':
    case 'seed': {
      const lock = config.databaseUrl ? undefined : acquireDataDirLock(config.dataDir);
      const database = config.databaseUrl
        ? await openPostgres(config.databaseUrl)
        : await openPglite(join(config.dataDir, 'pglite'));
      await migrate(database);
      await database.close();
      lock?.release();
      if (cmd === 'seed') {
        const size = str(flags.size);
        if (size !== undefined && !(size in sampleSizes)) {
          console.error(`unknown --size "${size}": expected small or large`);
          return 2;
        }
        const platform = await openPlatform(config, { role: 'seed' });
        console.log(platform.seeded ? 'demo community seeded' : 'demo community already present');
        if (size) {
          const sample = sampleSizes[size as keyof typeof sampleSizes];
          const started = Date.now();
          const r = await seedSample(platform.database.db, platform.crypto, sample, (n, total, one) => {
            if (total > 1)
              console.log(
                `  community ${n}/${total}: ${one.people.created} people added (${Math.round((Date.now() - started) / 1000)} s)`,
              );
          });
          console.log(
            `sample (${size}, ${sample.communities} ${sample.communities === 1 ? 'community' : 'communities'}): ${r.houses.created} houses, ${r.people.created} people, ${r.vehicles.created} vehicles, ${r.spaces.created} public spaces, ${r.facilities.created} facilities added (${r.people.unchanged} people already present)`,
          );
        }
        await platform.close();
      } else console.log('migrations applied');
      return 0;
    }
    case 'audit': {
      if (sub === 'verify') {
        const r = await callApi<VerifyReport>(config, flags, 'query', 'admin.auditVerify');
        if (r.ok) {
          console.log(`audit chain intact: ${r.checked} records, head ${r.headHash}`);
          return 0;
        }
        console.error(
          `audit chain BROKEN at record seq=${r.firstBroken?.seq} id=${r.firstBroken?.id}: ${r.firstBroken?.reason} (${r.checked} records before it are intact)`,
        );
        return 1;
      }
      if (sub === 'export') {
        const r = await callApi<{ archiveBase64: string; count: number; headHash: string }>(
          config,
          flags,
          'mutation',
          'admin.auditExport',
        );
        const out = str(flags.out) ?? `audit-export-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl.gz`;
        writeFileSync(out, Buffer.from(r.archiveBase64, 'base64'));
        console.log(`wrote ${out}: ${r.count} records, head ${r.headHash}, signed (ed25519)`);
        return 0;
      }
      break;
    }
    case 'user': {
      if (sub === 'create') {
        const role = str(flags.role);
        const name = str(flags.name);
        if (!role || !name) {
          console.error('user create needs --name and --role');
          return 2;
        }
        const r = await callApi<{ id: string }>(config, flags, 'mutation', 'admin.createUser', {
          username: str(flags.username),
          displayName: name,
          phone: str(flags.phone),
          password: str(flags.password),
          roles: [{ role, regionCode: str(flags.region) ?? null }],
        });
        console.log(flags.json ? JSON.stringify(r) : `user created: ${r.id}`);
        return 0;
      }
      break;
    }
    case 'import':
      return importCommand(config, flags, sub, positionals[2]);
    case 'people':
      if (sub === 'count') return peopleCount(config, flags);
      break;
    case 'esign':
      return esignCommand(config, flags, sub, positionals[2]);
    case 'plugin':
      return pluginCommand(config, flags, sub, positionals[2]);
    case 'market':
      return marketCommand(config, flags, sub, positionals[2], positionals[3]);
    case 'product':
      if (sub === 'create') return productCreate(config, flags);
      if (sub === 'codec') return productCodec(config, flags, positionals.slice(2, 5));
      break;
    case 'device':
      if (sub === 'create') return deviceCreate(config, flags);
      if (sub === 'show') return deviceShow(config, flags, positionals[2], positionals[3]);
      if (sub === 'import') return deviceImport(config, flags, positionals[2]);
      if (sub === 'deveui') return deviceDevEui(config, flags, positionals.slice(2, 5));
      if (sub === 'cert') return deviceCert(config, flags, positionals.slice(2, 6));
      break;
    case 'mqtt-account':
      if (sub === 'create') return mqttAccountCreate(config, flags);
      break;
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return 0;
  }
  console.error(`unknown command: ${positionals.join(' ')}\n\n${usage}`);
  return 2;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    process.exit(1);
  },
);
