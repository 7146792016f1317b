import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PluginManifest } from '@shequ/schemas';
import { BundleError, bundlePlugin } from '../bundle.ts';
import { formatProjectProblem, handlerPointer, loadProject, MANIFEST } from '../project.ts';
import type { CommandInput } from './command.ts';

/** Steps several commands share: check the manifest, bundle, compare handlers, write `dist/`. */

/** The plugin folder named by the first positional argument (default: the working directory). */
export const dirOf = (input: CommandInput) => resolve(input.cwd, input.positionals[0] ?? '.');

/** A manifest that passed its checks, and its bundle. */
export interface Built {
  dir: string;
  manifest: PluginManifest;
  code: string;
  bytes: number;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Checks the manifest and bundles; prints problems as `file#/pointer: message` and returns null on any. */
export async function checkAndBundle(input: CommandInput): Promise<Built | null> {
  const dir = dirOf(input);
  const project = await loadProject(dir);
  if (project.problems.length) {
    for (const p of project.problems) input.err(formatProjectProblem(p));
    input.err(`${project.problems.length} problem(s) in the manifest`);
    return null;
  }
  try {
    const b = await bundlePlugin(dir);
    for (const w of b.warnings) input.err(`warning: ${w}`);
    return { dir, manifest: project.manifest, code: b.code, bytes: b.bytes };
  } catch (e) {
    if (e instanceof BundleError) {
      for (const m of e.messages) input.err(m);
      return null;
    }
    throw e;
  }
}

/**
 * Loads the bundle in the real sandbox and compares the handlers it exports with the manifest's. A declared
 * handler the bundle lacks is an error (the platform refuses such a package); an undeclared export only a warning.
 */
export async function checkHandlers(input: CommandInput, built: Built): Promise<boolean> {
  const { SandboxPool } = await import('@shequ/runtime');
  const pool = new SandboxPool({ size: 1 });
  let exported: string[];
  try {
    exported = await pool.handlers(`${built.manifest.id}@${built.manifest.version}`, built.code);
  } catch (e) {
    input.err(`src/index.ts: the bundle does not load in the sandbox: ${(e as Error).message}`);
    return false;
  } finally {
    await pool.close();
  }
  const declared = Object.keys(built.manifest.handlers);
  const missing = declared.filter((h) => !exported.includes(h));
  for (const h of missing) {
    input.err(
      `${MANIFEST}#${handlerPointer(h)}: handler "${h}" is declared but src/index.ts does not export it in plugin.handlers`,
    );
  }
  if (exported.length === 0)
    input.err('src/index.ts: no handlers found; export `const plugin = definePlugin({ handlers })`');
  for (const h of exported.filter((x) => !declared.includes(x))) {
    input.err(`warning: src/index.ts exports handler "${h}" that ${MANIFEST} does not declare; nobody can call it`);
  }
  return missing.length === 0 && exported.length > 0;
}

/** Writes `dist/bundle.js` and `dist/shequ.plugin.json` (the manifest with pages merged in). */
export function writeDist(input: CommandInput, built: Built): void {
  const dist = join(built.dir, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'bundle.js'), built.code);
  writeFileSync(join(dist, MANIFEST), `${JSON.stringify(built.manifest, null, 2)}\n`);
  input.out(`built dist/bundle.js (${kb(built.bytes)}) for ${built.manifest.id}@${built.manifest.version}`);
}

export { kb };
