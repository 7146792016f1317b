import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';
import { kb } from '../steps.ts';

/** `shequ-plugin inspect`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Check a .shequ package and its signature, and list its entries / 检查安装包',
  usage: 'inspect FILE [--trust PUBFILE --key-id ID]',
  options: { trust: { type: 'string' }, 'key-id': { type: 'string' } },
  async run(input) {
    const [file] = input.positionals;
    if (!file) {
      input.err('Usage: shequ-plugin inspect FILE [--trust PUBFILE --key-id ID]');
      return 2;
    }
    const { packageDigests, unpackPlugin, verifyPackage } = await import('@shequ/runtime');
    const buf = readFileSync(resolve(input.cwd, file));
    const pkg = unpackPlugin(buf);
    const m = pkg.manifest;
    input.out(`${m.id}@${m.version} ${m.name.zh} / ${m.name.en} (${kb(buf.length)})`);
    const digests = packageDigests(pkg.files);
    for (const name of Object.keys(pkg.files).sort()) {
      input.out(`  ${name.padEnd(20)} ${kb(pkg.files[name].length).padStart(10)}  ${digests[name] ?? ''}`);
    }
    const services = Object.entries(m.permissions?.services ?? {}).map(([s, a]) => `${s}.${a.join('|')}`);
    input.out(`  permissions: ${[...services, ...(m.permissions?.data ?? [])].join(', ') || 'none'}`);
    if (!pkg.signature) {
      input.out('  signature: none');
      return typeof input.values.trust === 'string' ? 1 : 0;
    }
    const trusted =
      typeof input.values.trust === 'string'
        ? {
            [String(input.values['key-id'] ?? pkg.signature.keyId)]: readFileSync(
              resolve(input.cwd, input.values.trust),
              'utf8',
            ),
          }
        : undefined;
    const by = verifyPackage(pkg, trusted);
    input.out(`  signature: valid, key ${by.keyId} (fingerprint ${by.fingerprint})${trusted ? ', trusted' : ''}`);
    return 0;
  },
};
