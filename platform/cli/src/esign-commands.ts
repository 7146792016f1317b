import { readFileSync } from 'node:fs';
import type { Config } from '@shequ/core';
import { postBody } from './api-client.ts';

export const esignUsage = `  shequ esign verify FILE [--lang en] [--json]  check a signed contract PDF against the platform's root
                                            (signature, chain, timestamp, nothing appended); exit 1 if not valid`;

/** `shequ esign verify FILE`: posts the PDF to the running platform's public verify route and prints the report. */
export async function esignCommand(
  config: Config,
  flags: Record<string, string | true>,
  sub: string | undefined,
  file: string | undefined,
): Promise<number> {
  if (sub !== 'verify' || !file) {
    console.error(`usage:\n${esignUsage}`);
    return 2;
  }
  let pdf: Buffer;
  try {
    pdf = readFileSync(file);
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const json = flags.json === true;
  const lang = flags.lang === 'en' ? 'en' : 'zh';
  const res = await postBody(
    config,
    flags,
    `/api/esign/verify?format=${json ? 'json' : 'text'}&lang=${lang}`,
    pdf,
    'application/pdf',
  );
  if (res.status !== 200) {
    console.error(res.text);
    return 1;
  }
  process.stdout.write(json ? `${res.text}\n` : res.text);
  const valid = json ? (JSON.parse(res.text) as { valid: boolean }).valid : /^(验证通过|Verified)/.test(res.text);
  return valid ? 0 : 1;
}
