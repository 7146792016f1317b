import type { Config } from '@shequ/core';
import { callApi } from './api-client.ts';
import { str } from './args.ts';

type Flags = Record<string, string | true>;
type Text = { zh: string; en: string };

export const marketReportUsage = `  shequ market downstreams add --id ID --name NAME --key KEY [--region CODE] [--json]
                                            accept operations reports (8.1.2) from a following catalog: ID is its
                                            catalog id, KEY its catalog key or fingerprint (\`shequ market key\` there)
  shequ market downstreams list [--json]    registered downstream catalogs and their last report
  shequ market downstreams remove DOWNSTREAM           stop accepting its reports (what it sent stays)
  shequ market send-report --upstream ID [--day YYYY-MM-DD] [--json]
                                            push the signed operations report of a day (default yesterday) to a
                                            followed upstream (its id or catalog id) now`;

interface Downstream {
  id: string;
  catalogId: string;
  name: string;
  keyFingerprint: string;
  regionId: string | null;
  active: boolean;
  lastReportAt: string | null;
}

interface Delivery {
  upstreamId: string;
  day: string;
  status: 'delivered' | 'duplicate' | 'failed';
  httpStatus: number | null;
  error: Text | null;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `shequ market downstreams add|list|remove`: the catalogs whose operations reports this one accepts. */
export async function downstreamsCommand(config: Config, flags: Flags, action: string | undefined, arg?: string) {
  switch (action) {
    case 'add': {
      const catalogId = str(flags.id);
      const name = str(flags.name);
      const key = str(flags.key);
      if (!catalogId || !name || !key) {
        console.error('downstreams add needs --id (its catalog id), --name and --key (its catalog key or fingerprint)');
        return 2;
      }
      const d = await callApi<Downstream>(config, flags, 'mutation', 'market.downstreams.add', {
        catalogId,
        name,
        key,
        region: str(flags.region) ?? null,
      });
      if (flags.json) console.log(JSON.stringify(d));
      else console.log(`accepting operations reports from ${d.catalogId} (key ${d.keyFingerprint}) as ${d.id}`);
      return 0;
    }
    case 'list': {
      const rows = await callApi<Downstream[]>(config, flags, 'query', 'market.downstreams.list', undefined);
      if (flags.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log('no downstream catalogs registered');
      else
        for (const d of rows)
          console.log(
            `${d.id}  ${d.catalogId.padEnd(20)} ${d.name}  key ${d.keyFingerprint}  ` +
              (d.active ? `last report ${d.lastReportAt ?? 'never'}` : 'removed'),
          );
      return 0;
    }
    case 'remove': {
      if (!arg) {
        console.error('downstreams remove needs the downstream id (see `shequ market downstreams list`)');
        return 2;
      }
      const d = await callApi<Downstream>(config, flags, 'mutation', 'market.downstreams.remove', { id: arg });
      console.log(`no longer accepting reports from ${d.catalogId}`);
      return 0;
    }
  }
  console.error(`usage:\n${marketReportUsage}`);
  return 2;
}

/** `shequ market send-report`: push a day's signed report to one upstream now; exit 1 when the upstream refused it. */
export async function sendReportCommand(config: Config, flags: Flags) {
  const upstream = str(flags.upstream);
  const day = str(flags.day);
  if (!upstream || (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day))) {
    console.error('send-report needs --upstream ID (see `shequ market upstreams`) and an optional --day YYYY-MM-DD');
    return 2;
  }
  let id = upstream;
  if (!uuid.test(upstream)) {
    const ups = await callApi<{ id: string; catalogId: string | null; active: boolean }[]>(
      config,
      flags,
      'query',
      'market.upstreams.list',
      undefined,
    );
    const found = ups.find((u) => u.active && u.catalogId === upstream);
    if (!found) {
      console.error(`no followed upstream with id or catalog id ${upstream}`);
      return 1;
    }
    id = found.id;
  }
  const d = await callApi<Delivery>(
    config,
    flags,
    'mutation',
    'market.upstreams.sendReport',
    day ? { id, day } : { id },
  );
  if (flags.json) console.log(JSON.stringify(d));
  else if (d.status === 'failed')
    console.error(`report of ${d.day} not accepted (HTTP ${d.httpStatus ?? '-'}): ${d.error?.zh}\n  ${d.error?.en}`);
  else console.log(`report of ${d.day}: ${d.status === 'delivered' ? 'delivered' : 'already there (duplicate)'}`);
  return d.status === 'failed' ? 1 : 0;
}
