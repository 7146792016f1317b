import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageFiles } from '../../build/build-plugin.ts';
import type { Command } from '../command.ts';
import { checkAndBundle, checkHandlers, kb, writeDist } from '../steps.ts';

/** `shequ-plugin pack`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Validate, build and write a deterministic dist/<id>-<version>.shequ / 打包',
  usage: 'pack [DIR] [--key FILE] [--key-id ID]',
  options: { key: { type: 'string' }, 'key-id': { type: 'string' } },
  async run(input) {
    const built = await checkAndBundle(input);
    if (!built || !(await checkHandlers(input, built))) return 1;
    writeDist(input, built);
    const { packPlugin, signPackage } = await import('@shequ/runtime');
    let files = packageFiles({ dir: built.dir, manifest: built.manifest, bundle: built.code });
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
