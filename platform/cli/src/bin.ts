import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig, openPlatform, type VerifyReport } from '@shequ/core';
import { acquireDataDirLock, migrate, openPglite, openPostgres } from '@shequ/db';
import { callApi } from './api-client.ts';
import { parseArgs, str } from './args.ts';
import { importCommand, peopleCount } from './base-commands.ts';
import { type Role, start } from './start.ts';

const usage = `shequ — Shequ 社区 platform CLI

  shequ start [--role all|api|web|worker]   run the platform (default: every role, embedded defaults)
  shequ migrate                             apply database migrations
  shequ seed                                seed the demo community (idempotent)
  shequ audit verify                        check the audit hash chain; exit 1 naming the first broken record
  shequ audit export [--out FILE]           write a signed audit archive
  shequ import <people|houses|vehicles> FILE --community CODE [--dry-run] [--json]
  shequ people count --community CODE [--json]
  shequ user create --name N [--username U] [--phone P] [--password PW] --role ROLE [--region CODE]

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
      const role = (str(flags.role) ?? 'all') as Role;
      if (!['all', 'api', 'web', 'worker'].includes(role)) {
        console.error(`unknown role "${role}": expected all, api, web or worker (iot arrives with the IoT engine)`);
        return 2;
      }
      await start(config, role);
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
        const platform = await openPlatform(config, { role: 'seed' });
        console.log(platform.seeded ? 'demo community seeded' : 'demo community already present');
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
