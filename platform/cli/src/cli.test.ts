import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { idCheckChar, verifyAuditExport } from '@shequ/core';
import { createTestDatabaseUrl } from '@shequ/db';
import postgres from 'postgres';
import { bin, freePort, runCli, stopChild } from './test-support.ts';

const cli = runCli;

async function startApi(env: NodeJS.ProcessEnv, port?: number): Promise<{ child: ChildProcess; url: string }> {
  port ??= await freePort();
  const child = spawn(process.execPath, ['--no-node-snapshot', bin, 'start', '--role', 'api'], {
    env: { ...process.env, ...env, SHEQU_API_PORT: String(port), SHEQU_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // Ready when this process says so (another one may already answer on a shared port) and the port answers.
  let said = false;
  child.stdout?.on('data', (b: Buffer) => {
    if (b.toString().includes('/api/health')) said = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 90_000;
  while (Date.now() < end && child.exitCode === null) {
    try {
      if (said && (await fetch(`${url}/api/health`)).ok) return { child, url };
    } catch {}
    await sleep(200);
  }
  child.kill('SIGTERM');
  throw new Error('platform did not become healthy');
}

const stop = stopChild;

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
  test('plugin install from a folder, list, disable, uninstall; a bad manifest names the pointer', () => {
    const plugin = join(dir, 'hello-plugin');
    mkdirSync(join(plugin, 'dist'), { recursive: true });
    const manifest = {
      id: 'org.test.cli',
      version: '1.0.0',
      name: { zh: '命令行测试', en: 'CLI test' },
      description: { zh: '测试', en: 'Test' },
      scenario: 'services',
      sdk: '^0.1.0',
      handlers: { hello: { roles: ['resident'] } },
    };
    writeFileSync(join(plugin, 'shequ.plugin.json'), JSON.stringify({ ...manifest, colour: 'red' }));
    writeFileSync(
      join(plugin, 'dist', 'bundle.js'),
      'globalThis.__shequPlugin = { plugin: { handlers: { hello: () => 1 } } };',
    );
    const bad = cli(env, 'plugin', 'install', plugin, '--community', 'demo');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /shequ\.plugin\.json#\/colour: unknown field "colour"/);
    writeFileSync(join(plugin, 'shequ.plugin.json'), JSON.stringify(manifest));
    const installed = cli(env, 'plugin', 'install', plugin, '--community', 'demo', '--json');
    assert.equal(installed.status, 0, installed.stderr);
    assert.deepEqual(JSON.parse(installed.stdout), { pluginId: 'org.test.cli', version: '1.0.0', state: 'enabled' });
    assert.equal(cli(env, 'plugin', 'disable', 'org.test.cli', '--community', 'demo').status, 0);
    const list = JSON.parse(cli(env, 'plugin', 'list', '--community', 'demo', '--json').stdout);
    // The demo community also runs the example noticeboard, installed at start.
    assert.deepEqual(
      list.filter((r: { pluginId: string }) => r.pluginId === 'org.test.cli').map((r: { state: string }) => r.state),
      ['disabled'],
    );
    const gone = cli(env, 'plugin', 'uninstall', 'org.test.cli', '--community', 'demo');
    assert.match(gone.stdout, /data is kept until/);
    assert.equal(cli(env, 'plugin', 'enable', 'org.test.cli', '--community', 'demo').status, 1);
  });

  test('with SHEQU_API_REUSE_PORT=on two API processes serve one port and accept one admin token', async () => {
    // A data dir of their own (the suite's platform keeps its runtime file), with the same database and master key.
    const own = mkdtempSync(join(tmpdir(), 'shequ-cli-reuse-'));
    const shared = {
      DATABASE_URL: pg.url,
      SHEQU_DATA_DIR: own,
      SHEQU_MASTER_KEY: readFileSync(join(dir, 'master.key'), 'utf8').trim(),
      SHEQU_API_REUSE_PORT: 'on',
    };
    const port = await freePort();
    const a = await startApi(shared, port);
    let b: { child: ChildProcess; url: string } | undefined;
    try {
      // Without the setting the port is taken: a third process cannot start on it.
      const taken = spawnSync(process.execPath, ['--no-node-snapshot', bin, 'start', '--role', 'api'], {
        env: { ...process.env, ...env, SHEQU_API_PORT: String(port), SHEQU_LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 90_000,
      });
      assert.notEqual(taken.status, 0);
      assert.match(taken.stderr + taken.stdout, /EADDRINUSE|address already in use/i);
      b = await startApi(shared, port);
      // Each CLI call is a new connection, which the kernel may give to either process: all are accepted.
      for (let i = 0; i < 6; i++) {
        const listed = cli(shared, 'plugin', 'list', '--community', 'demo', '--json');
        assert.equal(listed.status, 0, listed.stderr);
      }
      await stop(a.child);
      // The second process still answers on the shared port, to the CLI as well.
      const health = await fetch(`${b.url}/api/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { db: string }).db, 'postgres');
      assert.equal(cli(shared, 'plugin', 'list', '--community', 'demo', '--json').status, 0);
    } finally {
      await stop(a.child);
      await stop(b?.child);
      rmSync(own, { recursive: true, force: true });
    }
  });

  test('shequ-plugin dev --once puts a fresh build of the example in front of the demo community, twice', () => {
    const example = fileURLToPath(new URL('../../../examples/noticeboard', import.meta.url));
    const sdkCli = fileURLToPath(new URL('../../../sdk/plugin/src/cli/main.ts', import.meta.url));
    const dev = () =>
      spawnSync(process.execPath, ['--no-node-snapshot', sdkCli, 'dev', example, '--once', '--community', 'demo'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const first = dev();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /org\.shequ\.noticeboard@1\.0\.0-dev\.\d+ running in community demo/);
    const second = dev();
    assert.equal(second.status, 0, second.stderr);
    const list = JSON.parse(cli(env, 'plugin', 'list', '--community', 'demo', '--json').stdout) as Array<{
      pluginId: string;
      version: string;
      state: string;
    }>;
    const board = list.find((r) => r.pluginId === 'org.shequ.noticeboard');
    assert.equal(board?.state, 'enabled');
    assert.equal(board?.version, second.stdout.match(/@(\S+) running/)?.[1]);
  });
});

describe('shequ import and people count (embedded database)', () => {
  test('a file with bad rows imports nothing and names them; the fixed file imports; count agrees', async () => {
    const idFor = (birth: string, seq: number) => {
      const body = `330106${birth}${String(seq).padStart(3, '0')}`;
      return body + idCheckChar(body);
    };
    const dir = mkdtempSync(join(tmpdir(), 'shequ-cli-import-'));
    const api = await startApi({ SHEQU_DATA_DIR: dir });
    const env = { SHEQU_DATA_DIR: dir };
    try {
      const houses = join(dir, 'houses.csv');
      writeFileSync(
        houses,
        ['小区,楼栋,单元,楼层,房号', '示范小区,1,1,1,101', '示范小区,1,1,2,201', '示范小区,1,1,3,301'].join('\n'),
      );
      assert.equal(cli(env, 'import', 'houses', houses, '--community', 'demo').status, 0);
      const rows = (bad: boolean) =>
        [
          '姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系',
          `甲,居民身份证,${idFor('19500101', 1)},,示范小区,1,1,1,101,业主`,
          `乙,居民身份证,${bad ? '330106195001010000' : idFor('19500101', 2)},,示范小区,1,1,2,201,业主`,
          `丙,居民身份证,${idFor('19500101', 3)},,示范小区,1,1,${bad ? '9' : '3'},${bad ? '901' : '301'},业主`,
        ].join('\n');
      const people = join(dir, 'people.csv');
      writeFileSync(people, rows(true));
      const dry = cli(env, 'import', 'people', people, '--community', 'demo', '--dry-run', '--json');
      assert.equal(dry.status, 0, dry.stderr);
      const report = JSON.parse(dry.stdout);
      assert.deepEqual(Object.keys(report), ['rows', 'valid', 'errors']);
      assert.deepEqual([report.rows, report.valid, report.errors.map((e: { row: number }) => e.row)], [3, 1, [3, 4]]);
      const refused = cli(env, 'import', 'people', people, '--community', 'demo', '--json');
      assert.equal(refused.status, 1);
      assert.deepEqual(JSON.parse(cli(env, 'people', 'count', '--community', 'demo', '--json').stdout), { count: 0 });
      writeFileSync(people, rows(false));
      assert.equal(cli(env, 'import', 'people', people, '--community', 'demo', '--json').status, 0);
      assert.deepEqual(JSON.parse(cli(env, 'people', 'count', '--community', 'demo', '--json').stdout), { count: 3 });
      const unknown = cli(env, 'import', 'people', people, '--community', 'nowhere', '--json');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stdout, /nowhere/);
    } finally {
      await stop(api.child);
      rmSync(dir, { recursive: true, force: true });
    }
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
