import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unpackPlugin, verifyPackage } from '@shequ/runtime';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/shequ-plugin.mjs', import.meta.url));
const repo = fileURLToPath(new URL('../../../../', import.meta.url));

const cli = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, ['--no-node-snapshot', main, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

const outside = mkdtempSync(join(tmpdir(), 'shequ-plugin-cli-'));
// The repository's tmp/ is git-ignored: a place inside the installation that leaves nothing behind.
const inside = join(repo, 'tmp', `sdk-cli-${process.pid}`);
after(() => {
  rmSync(outside, { recursive: true, force: true });
  rmSync(inside, { recursive: true, force: true });
});

const shas: string[] = [];
for (const [where, root] of [
  ['outside the repository', outside],
  ['inside the repository', inside],
] as const) {
  describe(`a new plugin ${where}`, () => {
    const dir = join(root, 'hello-board');
    test('is created, validates, passes its own tests and packs deterministically', () => {
      mkdirSync(root, { recursive: true });
      const made = cli(root, 'new', 'hello-board');
      assert.equal(made.code, 0, made.err);
      // Outside, the SDK of this installation is linked; inside, node finds it in the repository's node_modules.
      assert.equal(existsSync(join(dir, 'node_modules', '@shequ', 'plugin-sdk')), where === 'outside the repository');
      if (where === 'inside the repository') {
        // A plugin created in the repository passes the repository's lint as it is.
        const biome = join(repo, 'node_modules', '.bin', 'biome');
        const files = ['src', 'test', 'shequ.plugin.json', 'package.json', 'tsconfig.json'].map((f) => join(dir, f));
        const lint = spawnSync(biome, ['check', '--vcs-use-ignore-file=false', ...files], {
          cwd: repo,
          encoding: 'utf8',
        });
        assert.equal(lint.status, 0, lint.stdout + lint.stderr);
      }
      const valid = cli(dir, 'validate');
      assert.equal(valid.code, 0, valid.err);
      assert.match(valid.out, /local\.dev\.hello-board@0\.1\.0 is valid: 2 handlers, 1 collections, 2 pages/);
      const tested = cli(root, 'test', 'hello-board');
      assert.equal(tested.code, 0, tested.out + tested.err);
      assert.match(tested.out, /pass 2/);
      // The same tests as the marketplace review runs them: bundled, in the sandbox.
      const sandboxed = cli(root, 'test', 'hello-board', '--sandbox');
      assert.equal(sandboxed.code, 0, sandboxed.out + sandboxed.err);
      assert.match(sandboxed.out, /^2 passed, 0 failed$/m);
      const packed = cli(dir, 'pack');
      assert.equal(packed.code, 0, packed.err);
      const file = join(dir, 'dist', 'local.dev.hello-board-0.1.0.shequ');
      const first = sha(file);
      assert.equal(cli(dir, 'pack').code, 0);
      assert.equal(sha(file), first);
      shas.push(first);
      const pkg = unpackPlugin(readFileSync(file));
      // The tests travel in the package (covered by the signature) for the marketplace review to run.
      assert.match(packed.out, /tests: 1 file\(s\) bundled as tests\.js/);
      assert.deepEqual(Object.keys(pkg.files).sort(), ['README.md', 'bundle.js', 'shequ.plugin.json', 'tests.js']);
      assert.match(pkg.files['tests.js'].toString('utf8'), /__runTests/);
      assert.deepEqual(Object.keys(pkg.manifest.pages ?? {}), ['items', 'add-item']);
    });
  });
}

test('the same sources pack to the same bytes wherever they are built', () => {
  assert.equal(shas.length, 2);
  assert.equal(shas[0], shas[1]);
});

describe('keys and signatures', () => {
  test('keygen writes a private key only its owner can read, and sign produces a verifiable package', () => {
    const dir = join(outside, 'hello-board');
    const gen = cli(outside, 'keygen', '--out', 'acme');
    assert.equal(gen.code, 0, gen.err);
    assert.equal(lstatSync(join(outside, 'acme.key')).mode & 0o777, 0o600);
    assert.equal(cli(outside, 'keygen', '--out', 'acme').code, 1, 'an existing key is never overwritten');
    const file = join(dir, 'dist', 'local.dev.hello-board-0.1.0.shequ');
    const packed = cli(dir, 'pack', '--key', join(outside, 'acme.key'), '--key-id', 'acme-pack');
    assert.equal(packed.code, 0, packed.err);
    assert.equal(verifyPackage(unpackPlugin(readFileSync(file))).keyId, 'acme-pack');
    const signed = cli(outside, 'sign', file, '--key', 'acme.key', '--key-id', 'acme-2026');
    assert.equal(signed.code, 0, signed.err);
    const by = verifyPackage(unpackPlugin(readFileSync(file)), {
      'acme-2026': readFileSync(join(outside, 'acme.pub'), 'utf8'),
    });
    assert.equal(by.keyId, 'acme-2026');
    assert.equal(cli(outside, 'sign', file).code, 2);
    const shown = cli(outside, 'inspect', file, '--trust', 'acme.pub');
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /local\.dev\.hello-board@0\.1\.0/);
    assert.match(shown.out, /signature: valid, key acme-2026 .*trusted/);
    assert.match(shown.out, /permissions: audit\.record/);
    assert.equal(cli(outside, 'keygen', '--out', 'mallory').code, 0);
    const untrusted = cli(outside, 'inspect', file, '--trust', 'mallory.pub');
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.err, /does not match the trusted public key/);
  });
});

describe('validate', () => {
  const dir = join(outside, 'broken');
  const manifestPath = join(dir, 'shequ.plugin.json');

  test('prints manifest problems as file#/pointer: message and exits 1', () => {
    assert.equal(cli(outside, 'new', 'broken').code, 0);
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...m, colour: 'red' }));
    const r = cli(dir, 'validate');
    assert.equal(r.code, 1);
    assert.match(r.err, /^shequ\.plugin\.json#\/colour: unknown field "colour" \(line 1\)$/m);
    writeFileSync(manifestPath, JSON.stringify({ ...m, permissions: { services: { teleport: ['beam'] } } }, null, 2));
    assert.match(
      cli(dir, 'validate').err,
      /shequ\.plugin\.json#\/permissions\/services\/teleport: unknown service .* \(line 16\)/,
    );
    writeFileSync(manifestPath, '{ "id": "x", }');
    assert.match(cli(dir, 'validate').err, /shequ\.plugin\.json#\/: not valid JSON: .*line 1/);
    writeFileSync(manifestPath, JSON.stringify(m));
  });

  test('names the pages file for a page that calls a missing handler', () => {
    const pages = join(dir, 'src', 'pages.ts');
    const original = readFileSync(pages, 'utf8');
    writeFileSync(pages, original.replace("source: 'listItems'", "source: 'listThings'"));
    const r = cli(dir, 'validate');
    assert.equal(r.code, 1);
    assert.match(r.err, /src\/pages\.ts#\/pages\/items\/source\/handler: handler "listThings" is not declared/);
    writeFileSync(pages, original);
  });

  test('reports a declared handler the bundle does not export, and Node imports, with the file', () => {
    const index = join(dir, 'src', 'index.ts');
    const original = readFileSync(index, 'utf8');
    writeFileSync(index, original.replace('addItem: async', 'addThing: async'));
    const r = cli(dir, 'validate');
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /shequ\.plugin\.json#\/handlers\/addItem: handler "addItem" is declared but src\/index\.ts does not export it/,
    );
    assert.match(r.err, /warning: src\/index\.ts exports handler "addThing"/);
    writeFileSync(index, `import { readFileSync } from 'node:fs';\n${original}\nexport const x = readFileSync;\n`);
    const node = cli(dir, 'build');
    assert.equal(node.code, 1);
    assert.match(node.err, /src\/index\.ts:1:\d+: Could not resolve "node:fs"/);
    writeFileSync(index, original);
    assert.equal(cli(dir, 'validate').code, 0);
  });
});

test('the bin script runs the CLI on the pinned node', () => {
  const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /new NAME \[--dir DIR\]/);
  assert.equal(cli(outside, 'frobnicate').code, 2);
});
