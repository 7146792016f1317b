import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';

/** `shequ-plugin sign`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Sign a .shequ package with an ed25519 key (in place, or to --out) / 签名',
  usage: 'sign FILE --key KEY [--key-id ID] [--out FILE]',
  options: { key: { type: 'string' }, 'key-id': { type: 'string' }, out: { type: 'string' } },
  async run(input) {
    const [file] = input.positionals;
    if (!file || typeof input.values.key !== 'string') {
      input.err('Usage: shequ-plugin sign FILE --key KEY [--key-id ID] [--out FILE]');
      return 2;
    }
    const { packPlugin, signPackage, unpackPlugin, verifyPackage } = await import('@shequ/runtime');
    const path = resolve(input.cwd, file);
    const pkg = unpackPlugin(readFileSync(path));
    const signed = signPackage(
      pkg.files,
      readFileSync(resolve(input.cwd, input.values.key), 'utf8'),
      input.values['key-id'] as string | undefined,
    );
    const buf = packPlugin(signed);
    const by = verifyPackage(unpackPlugin(buf));
    const out = resolve(input.cwd, (input.values.out as string | undefined) ?? file);
    writeFileSync(out, buf);
    input.out(`signed ${out} with key ${by.keyId} (fingerprint ${by.fingerprint})`);
    return 0;
  },
};
