import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';

interface Answer {
  submissionId?: string;
  pluginId?: string;
  version?: string;
  state?: string;
  passed?: boolean;
  items?: { level: string; zh: string; en: string }[];
  error?: { appCode: string; messageZh: string; messageEn: string };
}

const marks: Record<string, string> = { pass: '✔', warn: '!', fail: '✖' };

/** `shequ-plugin publish`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Submit a signed .shequ package to a marketplace for review / 提交应用到应用市场审核',
  usage: 'publish FILE.shequ --url URL --token TOKEN',
  options: { url: { type: 'string' }, token: { type: 'string' } },
  async run(input) {
    const [file] = input.positionals;
    const url = (input.values.url as string | undefined) ?? process.env.SHEQU_MARKET_URL;
    const token = (input.values.token as string | undefined) ?? process.env.SHEQU_MARKET_TOKEN;
    if (!file || !url || !token) {
      input.err(
        'Usage: shequ-plugin publish FILE.shequ --url URL --token TOKEN (or SHEQU_MARKET_URL, SHEQU_MARKET_TOKEN)',
      );
      return 2;
    }
    let data: Buffer;
    try {
      data = readFileSync(resolve(input.cwd, file));
    } catch (err) {
      input.err(`cannot read ${file}: ${(err as Error).message}`);
      return 1;
    }
    let res: Response;
    try {
      res = await fetch(new URL('/api/market/packages', url), {
        method: 'POST',
        // The token is a publisher's session token or the platform's admin token.
        headers: {
          'content-type': 'application/octet-stream',
          authorization: `Bearer ${token}`,
          cookie: `shequ_session=${encodeURIComponent(token)}`,
        },
        body: new Uint8Array(data),
      });
    } catch (err) {
      input.err(`cannot reach the marketplace at ${url}: ${(err as Error).message}`);
      return 1;
    }
    const body = (await res.json().catch(() => ({}))) as Answer;
    if (body.error) {
      input.err(`refused / 已拒绝: ${body.error.messageZh}\n  ${body.error.messageEn}`);
      return 1;
    }
    input.out(`${body.pluginId}@${body.version}: submission ${body.submissionId} — ${body.state}`);
    for (const i of body.items ?? []) input.out(`  ${marks[i.level] ?? '?'} ${i.zh}\n    ${i.en}`);
    return body.passed ? 0 : 1;
  },
};
