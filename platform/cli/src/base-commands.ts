import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '@shequ/core';
import { callApi, postFile } from './api-client.ts';
import { str } from './args.ts';

interface Report {
  rows: number;
  valid: number;
  errors: Array<{ row: number; column: string; reason: string }>;
  committed: boolean;
  created: number;
  unchanged: number;
}

/** `shequ import <kind> FILE --community CODE [--dry-run] [--json]`: exits 1 when it wrote nothing because of errors. */
export async function importCommand(
  config: Config,
  flags: Record<string, string | true>,
  kind: string | undefined,
  file: string | undefined,
): Promise<number> {
  const community = str(flags.community);
  if (!kind || !file || !community) {
    console.error(
      'usage: shequ import <people|houses|vehicles|spaces|facilities> FILE --community CODE [--dry-run] [--json]',
    );
    return 2;
  }
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const dryRun = flags['dry-run'] === true;
  const { status, body } = await postFile<Report & { error?: { messageZh: string; messageEn: string } }>(
    config,
    flags,
    `/api/base/import/${encodeURIComponent(kind)}?community=${encodeURIComponent(community)}&dryRun=${dryRun}`,
    data,
    basename(file),
  );
  if (body.error) {
    if (flags.json)
      console.log(
        JSON.stringify({
          rows: 0,
          valid: 0,
          errors: [{ row: 0, column: '', reason: `${body.error.messageZh} / ${body.error.messageEn}` }],
        }),
      );
    else console.error(`${body.error.messageZh} / ${body.error.messageEn} (HTTP ${status})`);
    return 1;
  }
  if (flags.json) console.log(JSON.stringify({ rows: body.rows, valid: body.valid, errors: body.errors }));
  else {
    for (const e of body.errors) console.log(`row ${e.row} [${e.column}] ${e.reason}`);
    console.log(
      `${body.rows} rows, ${body.valid} valid, ${body.errors.length} errors; ${
        body.committed
          ? `imported: ${body.created} new, ${body.unchanged} unchanged`
          : dryRun
            ? 'dry run: nothing written'
            : 'nothing imported'
      }`,
    );
  }
  return body.errors.length > 0 && !dryRun ? 1 : 0;
}

/** `shequ people count --community CODE [--json]`. */
export async function peopleCount(config: Config, flags: Record<string, string | true>): Promise<number> {
  const community = str(flags.community);
  if (!community) {
    console.error('usage: shequ people count --community CODE [--json]');
    return 2;
  }
  const r = await callApi<{ count: number }>(config, flags, 'query', 'base.people.count', { community });
  console.log(flags.json ? JSON.stringify({ count: r.count }) : `${r.count} people in ${community}`);
  return 0;
}
