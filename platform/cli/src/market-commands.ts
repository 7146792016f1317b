import type { Config } from '@shequ/core';
import { callApi } from './api-client.ts';
import { str } from './args.ts';
import { downstreamsCommand, marketReportUsage, sendReportCommand } from './market-report-commands.ts';

type Flags = Record<string, string | true>;

export const marketUsage = `  shequ market review [--state S[,S…]] [--json]       the reviewer queue (default: submitted, in review,
                                            approved, on shelf)
  shequ market report SUBMISSION [--json]   the signed automated review report
  shequ market approve SUBMISSION [--shelve]           claim (if needed) and approve; --shelve puts it on the shelf
  shequ market reject SUBMISSION --reason TEXT [--reason-en TEXT]
  shequ market shelve|unshelve SUBMISSION
  shequ market kill ID@VERSION --reason TEXT           disable every install of the version everywhere
  shequ market key [--json]                 this catalog's id and signing key (give it to followers)
  shequ market follow URL --key KEY         follow an upstream catalog; KEY is its public key or fingerprint
  shequ market upstreams [--json]           followed catalogs with their last sync and last error
  shequ market sync [UPSTREAM]              sync now (every followed catalog, or one)
  shequ market unfollow UPSTREAM            stop following (its versions stay, no more syncs)
${marketReportUsage}`;

interface Upstream {
  id: string;
  url: string;
  catalogId: string | null;
  keyFingerprint: string;
  active: boolean;
  lastSerial: number;
  lastSyncAt: string | null;
  lastError: { zh: string; en: string } | null;
}

interface Synced {
  catalogId: string;
  serial: number;
  added: string[];
  killed: string[];
  offShelf: string[];
  onShelf: string[];
  ms: number;
}

interface Submission {
  id: string;
  pluginId: string;
  version: string;
  state: string;
  stateName: { zh: string; en: string };
  createdAt: string;
}

interface ReviewItem {
  id: string;
  level: string;
  zh: string;
  en: string;
}

const mark = { pass: '✔', warn: '!', fail: '✖' } as Record<string, string>;

/** `shequ market …`: what reviewers and platform administrators do from a terminal. */
export async function marketCommand(
  config: Config,
  flags: Flags,
  sub: string | undefined,
  arg: string | undefined,
  rest?: string,
) {
  const needArg = !['review', 'key', 'upstreams', 'sync', 'send-report'].includes(sub ?? '');
  if (!sub || (needArg && !arg)) {
    console.error(`usage:\n${marketUsage}`);
    return 2;
  }
  switch (sub) {
    case 'downstreams':
      return downstreamsCommand(config, flags, arg, rest);
    case 'send-report':
      return sendReportCommand(config, flags);
    case 'review': {
      const states = str(flags.state)?.split(',');
      const rows = await callApi<Submission[]>(config, flags, 'query', 'market.queue', states ? { states } : {});
      if (flags.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log('the review queue is empty');
      else
        for (const r of rows)
          console.log(
            `${r.id}  ${`${r.pluginId}@${r.version}`.padEnd(40)} ${r.stateName.zh} (${r.state})  ${r.createdAt}`,
          );
      return 0;
    }
    case 'report': {
      const r = await callApi<{
        pluginId: string;
        version: string;
        passed: boolean;
        items: ReviewItem[];
        keyId: string;
      }>(config, flags, 'query', 'market.report', { id: arg });
      if (flags.json) console.log(JSON.stringify(r));
      else {
        console.log(`${r.pluginId}@${r.version}: ${r.passed ? '通过 passed' : '未通过 failed'} (signed by ${r.keyId})`);
        for (const i of r.items) console.log(`  ${mark[i.level] ?? '?'} ${i.zh}\n    ${i.en}`);
      }
      return 0;
    }
    case 'approve': {
      const queue = await callApi<Submission[]>(config, flags, 'query', 'market.queue', {});
      const s = queue.find((q) => q.id === arg);
      if (s?.state === 'submitted') await callApi(config, flags, 'mutation', 'market.claim', { id: arg });
      let r = await callApi<{ state: string }>(config, flags, 'mutation', 'market.approve', { id: arg });
      if (flags.shelve) r = await callApi<{ state: string }>(config, flags, 'mutation', 'market.shelve', { id: arg });
      console.log(`${arg}: ${r.state}`);
      return 0;
    }
    case 'reject': {
      const zh = str(flags.reason);
      if (!zh) {
        console.error('reject needs --reason (and optionally --reason-en)');
        return 2;
      }
      const r = await callApi<{ state: string }>(config, flags, 'mutation', 'market.reject', {
        id: arg,
        reasons: [{ zh, en: str(flags['reason-en']) ?? zh }],
      });
      console.log(`${arg}: ${r.state}`);
      return 0;
    }
    case 'shelve':
    case 'unshelve': {
      const r = await callApi<{ state: string }>(config, flags, 'mutation', `market.${sub}`, { id: arg });
      console.log(`${arg}: ${r.state}`);
      return 0;
    }
    case 'kill': {
      const [pluginId, version] = (arg as string).split('@');
      const reason = str(flags.reason);
      if (!pluginId || !version || !reason) {
        console.error('kill needs ID@VERSION and --reason');
        return 2;
      }
      const r = await callApi<{ disabledInstalls: number }>(config, flags, 'mutation', 'market.kill', {
        pluginId,
        version,
        reason,
      });
      console.log(`killed ${pluginId}@${version}: ${r.disabledInstalls} install(s) disabled in every community`);
      return 0;
    }
    case 'key': {
      const k = await callApi<{ catalogId: string; keyId: string; fingerprint: string; publicKey: string }>(
        config,
        flags,
        'query',
        'market.upstreams.catalogKey',
        undefined,
      );
      if (flags.json) console.log(JSON.stringify(k));
      else console.log(`catalog ${k.catalogId}\nkey ${k.keyId} (fingerprint ${k.fingerprint})\n${k.publicKey}`);
      return 0;
    }
    case 'follow': {
      const key = str(flags.key);
      if (!key) {
        console.error(
          'follow needs --key: the upstream catalog key or its fingerprint (trust on first use is not enough)',
        );
        return 2;
      }
      const u = await callApi<Upstream>(config, flags, 'mutation', 'market.upstreams.add', { url: arg, key });
      console.log(`following ${u.url} (key ${u.keyFingerprint}) as ${u.id}`);
      const r = await callApi<Synced>(config, flags, 'mutation', 'market.upstreams.syncNow', { id: u.id }).catch(
        (err: Error) => {
          console.error(`first sync failed (will retry on the interval): ${err.message}`);
          return null;
        },
      );
      if (r) printSync(r);
      return 0;
    }
    case 'upstreams': {
      const rows = await callApi<Upstream[]>(config, flags, 'query', 'market.upstreams.list', undefined);
      if (flags.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log('no upstream catalogs followed');
      else
        for (const u of rows)
          console.log(
            `${u.id}  ${u.url}  ${u.catalogId ?? '?'}  key ${u.keyFingerprint}  serial ${u.lastSerial}  ` +
              `${u.active ? `last sync ${u.lastSyncAt ?? 'never'}` : 'unfollowed'}` +
              (u.lastError ? `\n    ✖ ${u.lastError.zh}\n      ${u.lastError.en}` : ''),
          );
      return 0;
    }
    case 'sync': {
      const ids = arg
        ? [arg]
        : (await callApi<Upstream[]>(config, flags, 'query', 'market.upstreams.list', undefined))
            .filter((u) => u.active)
            .map((u) => u.id);
      let failed = 0;
      for (const id of ids) {
        try {
          printSync(await callApi<Synced>(config, flags, 'mutation', 'market.upstreams.syncNow', { id }));
        } catch (err) {
          failed += 1;
          console.error(`${id}: ${(err as Error).message}`);
        }
      }
      if (ids.length === 0) console.log('no upstream catalogs followed');
      return failed ? 1 : 0;
    }
    case 'unfollow': {
      const u = await callApi<Upstream>(config, flags, 'mutation', 'market.upstreams.remove', { id: arg });
      console.log(`stopped following ${u.url}`);
      return 0;
    }
  }
  console.error(`unknown market command: ${sub}\n${marketUsage}`);
  return 2;
}

function printSync(r: Synced) {
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : '-');
  console.log(
    `synced ${r.catalogId} serial ${r.serial} in ${r.ms} ms: added ${list(r.added)}; killed ${list(r.killed)}; ` +
      `off shelf ${list(r.offShelf)}; back on shelf ${list(r.onShelf)}`,
  );
}
