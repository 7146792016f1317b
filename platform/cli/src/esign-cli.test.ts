import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_PASSWORD } from '@shequ/core';
import { bin, freePort, runCli, stopChild } from './test-support.ts';

describe('shequ esign verify against a running platform (embedded database)', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let signed: Buffer;

  /** tRPC over HTTP as a session cookie or the admin token in runtime.json. */
  const trpc = async (auth: Record<string, string>, path: string, input: unknown, kind: 'query' | 'mutation') => {
    const u = new URL(`/api/trpc/${path}`, url);
    if (kind === 'query') u.searchParams.set('input', JSON.stringify(input));
    const res = await fetch(u, {
      method: kind === 'query' ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: kind === 'mutation' ? JSON.stringify(input) : undefined,
    });
    const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
    if (body.error) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
    return body.result?.data as Record<string, unknown> & Record<string, never>;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-cli-esign-'));
    const port = await freePort();
    child = spawn(process.execPath, ['--no-node-snapshot', bin, 'start', '--role', 'api'], {
      env: { ...process.env, SHEQU_DATA_DIR: dir, SHEQU_API_PORT: String(port), SHEQU_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    url = `http://127.0.0.1:${port}`;
    const end = Date.now() + 90_000;
    while (Date.now() < end) {
      try {
        if ((await fetch(`${url}/api/health`)).ok) break;
      } catch {}
      await sleep(200);
    }
    const admin = { authorization: `Bearer ${JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8')).adminToken}` };
    const login = await fetch(new URL('/api/trpc/auth.login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'resident', password: DEMO_PASSWORD }),
    });
    const resident = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] };
    const template = await trpc(
      admin,
      'esign.saveTemplate',
      {
        community: 'demo',
        template: {
          name: '装修管理协议',
          body: '业主：{{name}}',
          variables: [{ key: 'name', label: '业主', required: true }],
          validDays: 3,
        },
      },
      'mutation',
    );
    const doc = await trpc(
      admin,
      'esign.createDocument',
      { community: 'demo', templateId: template.id, signerUsername: 'resident', values: { name: '王秀英' } },
      'mutation',
    );
    await trpc(resident, 'esign.requestCode', { community: 'demo', id: doc.id }, 'mutation');
    const inbox = (await trpc(resident, 'message.inbox', { community: 'demo' }, 'query')) as unknown as {
      items: { titleZh: string; bodyZh: string }[];
    };
    const code = /验证码 (\d{6})/.exec(inbox.items.find((m) => m.titleZh === '合同签署验证码')?.bodyZh ?? '')?.[1];
    await trpc(resident, 'esign.sign', { community: 'demo', id: doc.id, code }, 'mutation');
    const file = await trpc(resident, 'esign.download', { community: 'demo', id: doc.id }, 'query');
    signed = Buffer.from(String(file.base64), 'base64');
  });
  after(async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a signed contract verifies (exit 0); appended bytes and a non-PDF are reported (exit 1)', () => {
    const env = { SHEQU_DATA_DIR: dir };
    const good = join(dir, 'signed.pdf');
    writeFileSync(good, signed);
    const ok = runCli(env, 'esign', 'verify', good);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^验证通过/);

    const appended = join(dir, 'appended.pdf');
    writeFileSync(appended, Buffer.concat([signed, Buffer.from('%% later\n')]));
    const bad = runCli(env, 'esign', 'verify', appended, '--lang', 'en');
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /appended after signing: the file has been modified/);
    const json = runCli(env, 'esign', 'verify', appended, '--json');
    assert.equal(JSON.parse(json.stdout).problems[0].code, 'modified_after_signing');

    const text = join(dir, 'note.txt');
    writeFileSync(text, 'hello');
    const notPdf = runCli(env, 'esign', 'verify', text);
    assert.equal(notPdf.status, 1);
    assert.match(notPdf.stdout, /不是 PDF/);
  });
});
