import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.ts';
import { checkAndBundle, writeDist } from '../steps.ts';

/** `shequ-plugin test`; see `summary` and `usage`. */
export const command: Command = {
  summary: "Build, then run the plugin's test/*.test.ts in the real sandbox with a fake host / 测试",
  usage: 'test [DIR] [--only PATTERN]',
  options: { only: { type: 'string' } },
  async run(input) {
    const built = await checkAndBundle(input);
    if (!built) return 1;
    writeDist(input, built);
    const testDir = join(built.dir, 'test');
    const files = existsSync(testDir)
      ? readdirSync(testDir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => join('test', f))
      : [];
    if (files.length === 0) {
      input.err('no test/*.test.ts files found');
      return 1;
    }
    const only = typeof input.values.only === 'string' ? ['--test-name-pattern', input.values.only] : [];
    // NODE_TEST_CONTEXT (set when this CLI itself runs under node --test) would make the plugin's run report in
    // the runner's private protocol instead of printing its results.
    const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
    // The same node that runs the CLI (the pinned Node 24), so type stripping and isolated-vm work in the tests.
    const res = spawnSync(process.execPath, ['--no-node-snapshot', '--test', ...only, ...files], {
      cwd: built.dir,
      stdio: 'inherit',
      env: { ...env, SHEQU_PLUGIN_DIR: built.dir },
    });
    return res.status ?? 1;
  },
};
