import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PackageFiles } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { bundlePlugin } from '../bundle.ts';
import { bundleTests } from '../bundle-tests.ts';
import { formatProjectProblem, loadProject } from '../project.ts';

/** Optional files of a plugin folder that go into its package. */
export const packageExtras = ['README.md', 'CHANGELOG.md', 'icon.png'] as const;

/** A plugin folder built in memory: the manifest with pages merged in, the bundle, and its tests if it has any. */
export interface BuiltPlugin {
  dir: string;
  manifest: PluginManifest;
  bundle: string;
  /** The test bundle (`test/**\/*.test.ts`, see bundleTests), packed as `tests.js` for the marketplace review. */
  tests?: string;
}

/**
 * Checks and bundles a plugin folder without writing anything — for the platform (installing an example on first
 * start) and for commands such as `dev` and `publish`. Throws one error listing every manifest or bundle problem.
 */
export async function buildPlugin(dirLike: string): Promise<BuiltPlugin> {
  const dir = resolve(dirLike);
  const project = await loadProject(dir);
  if (project.problems.length) {
    throw new Error(`${dir}: the manifest has problems:\n${project.problems.map(formatProjectProblem).join('\n')}`);
  }
  const { code } = await bundlePlugin(dir);
  const tests = await bundleTests(dir);
  return { dir, manifest: project.manifest, bundle: code, ...(tests ? { tests: tests.code } : {}) };
}

/**
 * The entries of a built plugin's package: manifest, bundle, the test bundle (so the publisher's signature covers
 * the tests the review runs), the optional files found in its folder and the screenshots the manifest declares
 * (files under `screenshots/`; the marketplace review checks type, size and count).
 */
export function packageFiles(built: BuiltPlugin): PackageFiles {
  const files: PackageFiles = {
    'shequ.plugin.json': `${JSON.stringify(built.manifest, null, 2)}\n`,
    'bundle.js': built.bundle,
  };
  if (built.tests !== undefined) files['tests.js'] = built.tests;
  for (const f of packageExtras) if (existsSync(join(built.dir, f))) files[f] = readFileSync(join(built.dir, f));
  for (const s of built.manifest.screenshots ?? []) {
    // Only plain names inside screenshots/ are taken from the folder; anything else is left for the review to report.
    if (!/^screenshots\/[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(s.path)) continue;
    const file = join(built.dir, s.path);
    if (existsSync(file)) files[s.path] = readFileSync(file);
  }
  return files;
}
