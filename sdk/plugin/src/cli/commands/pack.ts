import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageFiles } from '../../build/build-plugin.ts';
import { BundleError } from '../../bundle.ts';
import { bundleTests } from '../../bundle-tests.ts';
import type { Command, CommandInput } from '../command.ts';
import { checkAndBundle, checkHandlers, kb, writeDist } from '../steps.ts';

/** The test bundle of the folder, null without tests (with a warning), false when the tests do not bundle. */
async function bundleTestsFor(input: CommandInput, dir: string) {
  try {
    const tests = await bundleTests(dir);
    if (tests) input.out(`tests: ${tests.files.length} file(s) bundled as tests.js for the marketplace review`);
    else input.err('warning: no test/*.test.ts files; the marketplace review will report that no tests were shipped');
    return tests;
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    for (const m of e.messages) input.err(m);
    input.err('the tests could not be bundled for the sandbox (see above)');
    return false;
  }
}

/** `shequ-plugin pack`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Validate, build and write a deterministic dist/<id>-<version>.shequ / 打包',
  usage: 'pack [DIR] [--key FILE] [--key-id ID]',
  options: { key: { type: 'string' }, 'key-id': { type: 'string' } },
  async run(input) {
    const built = await checkAndBundle(input);
    if (!built || !(await checkHandlers(input, built))) return 1;
    writeDist(input, built);
    const tests = await bundleTestsFor(input, built.dir);
    if (tests === false) return 1;
    const { packPlugin, signPackage } = await import('@shequ/runtime');
    let files = packageFiles({ dir: built.dir, manifest: built.manifest, bundle: built.code, tests: tests?.code });
    if (typeof input.values.key === 'string') {
      const key = readFileSync(resolve(input.cwd, input.values.key), 'utf8');
      files = signPackage(files, key, input.values['key-id'] as string | undefined);
    }
    const buf = packPlugin(files);
    const name = `${built.manifest.id}-${built.manifest.version}.shequ`;
    writeFileSync(join(built.dir, 'dist', name), buf);
    const sha = createHash('sha256').update(buf).digest('hex');
    input.out(`packed dist/${name} (${kb(buf.length)}, ${Object.keys(files).length} entries) sha256 ${sha}`);
    return 0;
  },
};
