import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BundleError, sandboxBuildOptions } from './bundle.ts';

/** The plugin's test files, `test/**\/*.test.ts`, relative to its folder and sorted (the order they run in). */
export function testFiles(dirLike: string): string[] {
  const testDir = join(resolve(dirLike), 'test');
  if (!existsSync(testDir)) return [];
  return readdirSync(testDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/${f.split('\\').join('/')}`)
    .sort();
}

const guest = (name: string) => fileURLToPath(new URL(`./testing/guest/${name}.ts`, import.meta.url));

/** What the tests import from Node and the SDK, replaced by modules that work inside the sandbox. */
const shims: Record<string, string> = {
  'node:test': 'node-test',
  test: 'node-test',
  'node:assert': 'assert',
  'node:assert/strict': 'assert',
  assert: 'assert',
  'assert/strict': 'assert',
  '@shequ/plugin-sdk/testing': 'host-client',
};

const shimPlugin: Plugin = {
  name: 'shequ-test-shims',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(test|assert(\/strict)?)$|^@shequ\/plugin-sdk\/testing$/ }, (args) => {
      const shim = shims[args.path];
      return shim ? { path: guest(shim) } : undefined;
    });
  },
};

/**
 * Bundles the plugin's tests into one script shaped like a handler bundle (`globalThis.__shequPlugin`, with the one
 * handler `__runTests`), so the platform can run them in the same sandbox as the plugin without its source tree:
 * `node:test`, `node:assert` and the SDK's test host are replaced by versions that run inside the sandbox (the test
 * host itself stays outside, reached through the test channel). Returns null when the plugin has no tests.
 * Minified and free of path comments like the handler bundle, so the same sources give the same bytes.
 */
export async function bundleTests(dirLike: string): Promise<{ code: string; files: string[] } | null> {
  const dir = resolve(dirLike);
  const files = testFiles(dir);
  if (files.length === 0) return null;
  const lines = [
    `import ${JSON.stringify(guest('prelude'))};`,
    ...files.map((f) => `import ${JSON.stringify(`./${f}`)};`),
    `export { plugin } from ${JSON.stringify(guest('runner'))};`,
  ];
  try {
    const out = await build({
      absWorkingDir: dir,
      stdin: { contents: lines.join('\n'), resolveDir: dir, sourcefile: 'tests-entry.ts', loader: 'ts' },
      ...sandboxBuildOptions,
      // Tests name their folder with import.meta.url; in the sandbox the folder is the package, so a fixed URL.
      define: { 'import.meta.url': '"shequ-package:/test/index.ts"' },
      plugins: [shimPlugin],
    });
    return { code: out.outputFiles[0].text, files };
  } catch (err) {
    const errors = (
      err as { errors?: { text: string; location: { file: string; line: number; column: number } | null }[] }
    ).errors;
    if (errors)
      throw new BundleError(
        errors.map((m) =>
          m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text,
        ),
      );
    throw err;
  }
}
