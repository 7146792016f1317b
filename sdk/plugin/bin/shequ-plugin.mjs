#!/usr/bin/env node
// `npx shequ-plugin …`: re-runs the TypeScript CLI on the installation's pinned Node 24 (type stripping and the
// flag isolated-vm needs), whichever node started this script.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(realpathSync(fileURLToPath(import.meta.url))), '..');
const pinned = join(sdk, '..', '..', 'node_modules', 'node', 'bin', 'node');
const node = existsSync(pinned) ? pinned : process.execPath;
const res = spawnSync(node, ['--no-node-snapshot', join(sdk, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
