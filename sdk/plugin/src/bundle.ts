import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildOptions, build } from 'esbuild';

/** The bundle of a plugin and the messages esbuild had about it. */
export interface BundleResult {
  code: string;
  bytes: number;
  warnings: string[];
}

/** An esbuild error, with every message as `file:line:column: text`. */
export class BundleError extends Error {
  readonly messages: string[];
  constructor(messages: string[]) {
    super(`the bundle could not be built:\n${messages.join('\n')}`);
    this.name = 'BundleError';
    this.messages = messages;
  }
}

type Message = { text: string; location: { file: string; line: number; column: number } | null };
const format = (m: Message) =>
  m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text;

/**
 * The esbuild settings of every script the sandbox runs (the handler bundle and the packaged tests), so both are
 * built alike and deterministically: an IIFE assigning `globalThis.__shequPlugin`, platform `neutral`, whitespace and
 * syntax minified, no legal comments, strict TypeScript whatever the plugin's own tsconfig says.
 */
export const sandboxBuildOptions = {
  bundle: true,
  write: false,
  format: 'iife',
  globalName: '__shequPlugin',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  charset: 'utf8',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'silent',
  tsconfigRaw: { compilerOptions: { strict: true, verbatimModuleSyntax: true } },
} satisfies BuildOptions;

/**
 * Bundles `src/index.ts` into the one script the sandbox runs: an IIFE assigning `globalThis.__shequPlugin`, whose
 * `plugin` export holds the handlers. Platform `neutral`, so a Node import fails here rather than in the sandbox,
 * which has no `require`, `process`, timers or `fetch`. Whitespace is minified (which also drops esbuild's path
 * comments, so a bundle does not depend on where the SDK is installed); names are kept for readable stack traces.
 */
export async function bundlePlugin(dirLike: string): Promise<BundleResult> {
  const dir = resolve(dirLike);
  const entry = join(dir, 'src', 'index.ts');
  if (!existsSync(entry)) throw new BundleError([`src/index.ts: not found in ${dir}`]);
  try {
    const out = await build({
      absWorkingDir: dir,
      entryPoints: [entry],
      // The plugin's own tsconfig (if any) is ignored: the same sources give the same bundle wherever they are, and
      // plugin code always runs in strict mode.
      ...sandboxBuildOptions,
    });
    const code = out.outputFiles[0].text;
    return { code, bytes: Buffer.byteLength(code), warnings: out.warnings.map(format) };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors) throw new BundleError(errors.map(format));
    throw err;
  }
}
