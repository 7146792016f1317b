import { spawnSync } from 'node:child_process';
import { testFiles } from '../../bundle-tests.ts';
import type { Command, CommandInput } from '../command.ts';
import { type Built, checkAndBundle, writeDist } from '../steps.ts';

/** The tests as the marketplace review runs them: bundled, in the sandbox, with the test host outside it. */
async function runInSandbox(input: CommandInput, built: Built): Promise<number> {
  const { bundleTests } = await import('../../bundle-tests.ts');
  const { runPackagedTests } = await import('../../testing/run-tests.ts');
  const { SandboxPool } = await import('@shequ/runtime');
  const tests = await bundleTests(built.dir);
  if (!tests) return 1;
  const pool = new SandboxPool({ size: 1 });
  try {
    const r = await runPackagedTests({ pool, manifest: built.manifest, bundle: built.code, tests: tests.code });
    for (const f of r.failures) input.err(`✖ ${f.name}\n  ${f.message.split('\n').join('\n  ')}`);
    if (r.stopped) input.err(`the run was stopped: ${r.stopped.message}`);
    input.out(`${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
    return r.failed === 0 && !r.stopped ? 0 : 1;
  } finally {
    await pool.close();
  }
}

/** `shequ-plugin test`; see `summary` and `usage`. */
export const command: Command = {
  summary: "Build, then run the plugin's test/*.test.ts in the real sandbox with a fake host / 测试",
  usage: 'test [DIR] [--only PATTERN] [--sandbox]',
  options: { only: { type: 'string' }, sandbox: { type: 'boolean' } },
  async run(input) {
    const built = await checkAndBundle(input);
    if (!built) return 1;
    writeDist(input, built);
    const files = testFiles(built.dir);
    if (files.length === 0) {
      input.err('no test/*.test.ts files found');
      return 1;
    }
    // --sandbox: the packaged tests, exactly as the marketplace's automated review runs them.
    if (input.values.sandbox === true) return runInSandbox(input, built);
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
