import { gunzipSync, gzipSync } from 'node:zlib';
import { AppError } from '@shequ/core';
import { checkManifest, formatProblem, type PluginManifest } from '@shequ/schemas';
import { readTar, writeTar } from './tar.ts';

/**
 * The `.shequ` package: a gzip'd ustar archive of a few known files. The same files always give the same bytes
 * (sorted entries, fixed metadata, fixed gzip header), so a package can be rebuilt and compared, and the signature
 * covers the files rather than the archive.
 */

/** Entries a package may hold, with the largest size allowed for each. */
export const packageEntries: Readonly<Record<string, number>> = {
  'shequ.plugin.json': 512 * 1024,
  'bundle.js': 5 * 1024 * 1024,
  /** The plugin's own tests bundled by `shequ-plugin pack`; the marketplace review runs them in the sandbox. */
  'tests.js': 5 * 1024 * 1024,
  'README.md': 256 * 1024,
  'CHANGELOG.md': 256 * 1024,
  'icon.png': 256 * 1024,
  'signature.json': 16 * 1024,
};

/**
 * Catalog screenshots: any number of files under `screenshots/` with plain names (letters, digits, dot, dash,
 * underscore), each up to this size. Their type, size budget and count are checked by the marketplace's automated
 * review, which gives the reasons; the package format only keeps them inside the folder.
 */
export const screenshotEntryMaxBytes = 2 * 1024 * 1024;
const screenshotEntry = /^screenshots\/[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** The largest size allowed for an entry, or undefined when the name is not part of the format. */
export function entryLimit(name: string): number | undefined {
  if (Object.hasOwn(packageEntries, name)) return packageEntries[name];
  if (screenshotEntry.test(name)) return screenshotEntryMaxBytes;
  return undefined;
}

/** Largest archive accepted by default, compressed or not. */
export const defaultMaxPackageBytes = 8 * 1024 * 1024;

/** Files of a package by entry name. */
export type PackageFiles = Record<string, Buffer | Uint8Array | string>;

/** A package read back: the parsed manifest, the bundle, every entry and the signature when there is one. */
export interface UnpackedPackage {
  manifest: PluginManifest;
  bundle: string;
  files: Record<string, Buffer>;
  signature?: PackageSignature;
}

/** What `signature.json` holds (see signature.ts). */
export interface PackageSignature {
  format: 'shequ-package-signature/1';
  algorithm: 'ed25519';
  keyId: string;
  /** The publisher's public key, SPKI DER in base64. */
  publicKey: string;
  /** SHA-256 of every other entry, hex, by entry name. */
  digests: Record<string, string>;
  /** Ed25519 signature over the canonical digest list, base64. */
  signature: string;
}

const bad = (zh: string, en: string) =>
  new AppError('INVALID_INPUT', { zh: `安装包无效：${zh}`, en: `Invalid package: ${en}` });

/** Refuses names that could escape an extraction folder or are not part of the format, in that order of clarity. */
export function checkEntryName(name: string): void {
  if (name === '') throw bad('存在空文件名', 'an entry has an empty name');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name))
    throw bad(`${name} 是绝对路径`, `entry "${name}" has an absolute path`);
  if (name.includes('\\')) throw bad(`${name} 含有反斜杠`, `entry "${name}" contains a backslash`);
  if (name.split('/').some((s) => s === '..'))
    throw bad(`${name} 含有“..”路径`, `entry "${name}" has a ".." segment (path traversal)`);
  if (entryLimit(name) === undefined) {
    throw bad(
      `不允许的文件 ${name}`,
      `entry "${name}" is not allowed; a package holds only ${Object.keys(packageEntries).join(', ')} and screenshots/*`,
    );
  }
}

const asBuffer = (v: Buffer | Uint8Array | string) =>
  typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.isBuffer(v) ? v : Buffer.from(v);

function parseManifest(data: Buffer): PluginManifest {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw bad('shequ.plugin.json 不是有效的 JSON', `shequ.plugin.json is not JSON: ${(err as Error).message}`);
  }
  const problems = checkManifest(value);
  if (problems.length) {
    const list = problems.slice(0, 20).map(formatProblem).join('; ');
    throw bad(`应用清单有误：${list}`, `the manifest has problems: ${list}`);
  }
  return value as PluginManifest;
}

function checkFiles(files: Record<string, Buffer>) {
  for (const [name, data] of Object.entries(files)) {
    checkEntryName(name);
    const limit = entryLimit(name) ?? 0;
    if (data.length > limit) throw bad(`${name} 超过 ${limit} 字节`, `entry "${name}" is over ${limit} bytes`);
  }
  for (const required of ['shequ.plugin.json', 'bundle.js'])
    if (!files[required]) throw bad(`缺少 ${required}`, `the package has no ${required}`);
}

/** Packs files into a `.shequ` archive; the same files always give identical bytes. */
export function packPlugin(files: PackageFiles): Buffer {
  const buffers = Object.fromEntries(Object.entries(files).map(([n, v]) => [n, asBuffer(v)]));
  checkFiles(buffers);
  parseManifest(buffers['shequ.plugin.json']);
  const names = Object.keys(buffers).sort();
  const gz = gzipSync(writeTar(names.map((name) => ({ name, data: buffers[name] }))), { level: 9 });
  // zlib writes the build's OS code in the header; 255 ("unknown") keeps bytes equal across platforms.
  gz[9] = 0xff;
  return gz;
}

/** Options for reading a package. */
export interface UnpackOptions {
  /** Largest archive and largest unpacked size accepted (default 8 MB). */
  maxBytes?: number;
}

/**
 * Reads a `.shequ` archive without touching the file system, refusing absolute paths, `..`, links, duplicates,
 * entries outside the format and oversize data (each named in the error), then checks the manifest.
 */
export function unpackPlugin(buf: Buffer, opts: UnpackOptions = {}): UnpackedPackage {
  const maxBytes = opts.maxBytes ?? defaultMaxPackageBytes;
  if (buf.length > maxBytes) throw bad(`超过 ${maxBytes} 字节`, `the archive is ${buf.length} bytes, over ${maxBytes}`);
  let tar = buf;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      tar = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch (err) {
      const over = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
      throw over
        ? bad(`解压后超过 ${maxBytes} 字节`, `the archive unpacks to more than ${maxBytes} bytes`)
        : bad('无法解压', `the archive is not valid gzip: ${(err as Error).message}`);
    }
  }
  const seen = new Set<string>();
  const entries = readTar(tar, {
    checkName: (name) => {
      checkEntryName(name);
      if (seen.has(name)) throw bad(`${name} 重复出现`, `entry "${name}" appears twice`);
      seen.add(name);
    },
    maxEntryBytes: (name) => Math.min(entryLimit(name) ?? 0, maxBytes),
  });
  const files: Record<string, Buffer> = Object.fromEntries(entries.map((e) => [e.name, e.data]));
  checkFiles(files);
  const manifest = parseManifest(files['shequ.plugin.json']);
  let signature: PackageSignature | undefined;
  if (files['signature.json']) {
    try {
      signature = JSON.parse(files['signature.json'].toString('utf8')) as PackageSignature;
    } catch {
      throw bad('signature.json 不是有效的 JSON', 'signature.json is not JSON');
    }
  }
  return { manifest, bundle: files['bundle.js'].toString('utf8'), files, signature };
}
