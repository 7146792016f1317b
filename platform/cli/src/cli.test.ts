import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { verifyAuditExport } from '@shequ/core';
import { createTestDatabaseUrl } from '@shequ/db';
import postgres from 'postgres';

const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  return spawnSync(process.execPath, ['--no-node-snapshot', bin, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

async function startApi(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--no-node-snapshot', bin, 'start', '--role', 'api'], {
    env: { ...process.env, ...env, SHEQU_API_PORT: String(port), SHEQU_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { child, url };
    } catch {}
    await sleep(200);
  }
  child.kill('SIGTERM');
  throw new Error('platform did not become healthy');
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('shequ CLI against a running platform (PostgreSQL)', {
  skip: process.env.SHEQU_TEST_POSTGRES === 'off',
}, () => {
  let dir: string;
  let pg: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  let api: { child: ChildProcess; url: string };
  let env: NodeJS.ProcessEnv;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shequ-cli-'));
    pg = await createTestDatabaseUrl();
    env = { SHEQU_DATA_DIR: dir, DATABASE_URL: pg.url };
    api = await startApi(env);
  });
  after(async () => {
    await stop(api.child);
    await pg.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('user create, audit export and verify; an edited row makes verify fail naming it', async () => {
    const created = cli(
      env,
      'user',
      'create',
      '--name',
      '张三',
      '--username',
      'zhangsan',
      '--password',
      'Passw0rd1',
      '--role',
      'resident',
      '--region',
      'demo',
      '--json',
    );
    assert.equal(created.status, 0, created.stderr);
    assert.match(JSON.parse(created.stdout).id, /^[0-9a-f-]{36}$/);
    const bad = cli(
      env,
      'user',
      'create',
      '--name',
      'x',
      '--username',
      'x',
      '--phone',
      '123',
      '--role',
      'resident',
      '--region',
      'demo',
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /phone/);

    const ok = cli(env, 'audit', 'verify');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /intact/);

    const out = join(dir, 'audit.jsonl.gz');
    const exp = cli(env, 'audit', 'export', '--out', out);
    assert.equal(exp.status, 0, exp.stderr);
    assert.equal(verifyAuditExport(readFileSync(out)).ok, true);

    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    await sql.begin(async (tx) => {
      await tx.unsafe('set local session_replication_role = replica');
      await tx.unsafe(`update audit.log set subject = 'someone-else' where seq = 3`);
    });
    await sql.end();
    const broken = cli(env, 'audit', 'verify');
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /seq=3/);
  });
});

describe('shequ start on the embedded database', () => {
  test('a second process on the same data dir is refused, naming the holder PID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shequ-cli-lock-'));
    const first = await startApi({ SHEQU_DATA_DIR: dir });
    try {
      const second = cli({ SHEQU_DATA_DIR: dir, SHEQU_API_PORT: String(await freePort()) }, 'start', '--role', 'api');
      assert.notEqual(second.status, 0);
      assert.match(second.stderr, new RegExp(`process ${first.child.pid}`));
    } finally {
      await stop(first.child);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad setting stops start-up with a message naming the variable', () => {
    const r = cli({ SHEQU_API_PORT: 'x' }, 'start');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /SHEQU_API_PORT/);
  });
});
