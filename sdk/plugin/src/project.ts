import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkManifest, formatProblem, type ManifestProblem, type Page, type PluginManifest } from '@shequ/schemas';
import { lineOfPointer } from './json-lines.ts';

/**
 * A plugin folder as the CLI and the test host see it: `shequ.plugin.json`, plus the pages of `src/pages.ts` when
 * there is one. Both read the same merged manifest, so what is tested is what is packed.
 */

/** The manifest file of a plugin folder. */
export const MANIFEST = 'shequ.plugin.json';
/** Where typed pages live, if the app uses the page builders. */
export const PAGES = 'src/pages.ts';

/** A problem of a plugin folder; `line` is set for problems in shequ.plugin.json. */
export interface ProjectProblem extends ManifestProblem {
  line?: number;
}

/** A plugin folder's manifest (pages merged in) and what is wrong with it. */
export interface Project {
  dir: string;
  manifest: PluginManifest;
  problems: ProjectProblem[];
}

/** `file#/pointer: message`, with the line of the manifest when known, for an editor to jump to. */
export const formatProjectProblem = (p: ProjectProblem) =>
  p.line === undefined ? formatProblem(p) : `${formatProblem(p)} (line ${p.line})`;

const token = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

async function loadPages(dir: string): Promise<Record<string, Page> | undefined> {
  const file = join(dir, PAGES);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { pages?: Record<string, Page> };
  if (!mod.pages || typeof mod.pages !== 'object') throw new Error(`${PAGES} does not export "pages"`);
  return mod.pages;
}

/** Reads and checks a plugin folder; problems name the file (manifest or pages) and the JSON pointer. */
export async function loadProject(dirLike: string): Promise<Project> {
  const dir = resolve(dirLike);
  const path = join(dir, MANIFEST);
  const fail = (message: string, pointer = '/'): Project => ({
    dir,
    manifest: {} as PluginManifest,
    problems: [{ file: MANIFEST, pointer, message }],
  });
  if (!existsSync(path)) return fail(`not found in ${dir}`);
  let raw: Record<string, unknown>;
  const text = readFileSync(path, 'utf8');
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Node's message names the line and column of the syntax error.
    return fail(`not valid JSON: ${(err as Error).message}`);
  }
  const pages = await loadPages(dir);
  const fromCode = new Set(Object.keys(pages ?? {}));
  if (pages && raw.pages) {
    return fail(`pages are declared both here and in ${PAGES}; keep them in one place`, '/pages');
  }
  const manifest = (pages ? { ...raw, pages } : raw) as unknown as PluginManifest;
  const problems = checkManifest(manifest, MANIFEST).map((p) => {
    const id = p.pointer.match(/^\/pages\/([^/]+)/)?.[1];
    return id && fromCode.has(id.replace(/~1/g, '/').replace(/~0/g, '~'))
      ? { ...p, file: PAGES }
      : { ...p, line: lineOfPointer(text, p.pointer) };
  });
  return { dir, manifest, problems };
}

/** The pointer of a handler in the manifest, for messages. */
export const handlerPointer = (name: string) => `/handlers/${token(name)}`;
