import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';

/** `shequ-plugin keygen`; see `summary` and `usage`. */
export const command: Command = {
  summary: 'Create an ed25519 publisher key pair (NAME.key, NAME.pub) / 生成发布者密钥',
  usage: 'keygen [--out NAME]',
  options: { out: { type: 'string' } },
  async run(input) {
    const { generatePublisherKey } = await import('@shequ/runtime');
    const base = resolve(input.cwd, (input.values.out as string | undefined) ?? 'shequ-publisher');
    for (const f of [`${base}.key`, `${base}.pub`]) {
      if (existsSync(f)) {
        input.err(`${f} already exists; not overwriting a key`);
        return 1;
      }
    }
    const k = generatePublisherKey();
    // The private key is readable by its owner only.
    writeFileSync(`${base}.key`, k.privateKeyPem, { mode: 0o600 });
    writeFileSync(`${base}.pub`, k.publicKeyPem);
    input.out(`wrote ${base}.key (keep it secret) and ${base}.pub; key id ${k.keyId}`);
    return 0;
  },
};
