#!/usr/bin/env node
// `npx shequ …`: re-runs the TypeScript CLI on the project's pinned Node 24 (type stripping, isolated-vm flags).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
const node = existsSync(pinned) ? pinned : process.execPath;
const res = spawnSync(node, ['--no-node-snapshot', join(root, 'platform/cli/src/bin.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
