import { AppError } from '@shequ/core';

/**
 * A minimal ustar reader and writer for plugin packages. Written here rather than taken from a library because the
 * package format needs two things general tar tools do not promise: byte-identical output for the same files (fixed
 * mtime, modes, owners, sorted order) and a reader that refuses anything but plain files before extracting a byte.
 */

const BLOCK = 512;

/** One file of an archive. */
export interface TarEntry {
  name: string;
  data: Buffer;
}

const bad = (zh: string, en: string) =>
  new AppError('INVALID_INPUT', { zh: `安装包无效：${zh}`, en: `Invalid package: ${en}` });

function writeField(header: Buffer, offset: number, length: number, value: string) {
  header.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;

function headerFor(name: string, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw bad(`文件名过长：${name}`, `entry name "${name}" is longer than 100 bytes`);
  writeField(h, 0, 100, name);
  writeField(h, 100, 8, octal(0o644, 8));
  writeField(h, 108, 8, octal(0, 8));
  writeField(h, 116, 8, octal(0, 8));
  writeField(h, 124, 12, octal(size, 12));
  // mtime 0: the archive must not depend on when or where it was packed.
  writeField(h, 136, 12, octal(0, 12));
  h.fill(0x20, 148, 156);
  writeField(h, 156, 1, '0');
  writeField(h, 257, 6, 'ustar\0');
  writeField(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  writeField(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Writes entries in the order given (callers sort them) as a ustar archive ending with two zero blocks. */
export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(headerFor(e.name, e.data.length), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

const text = (h: Buffer, offset: number, length: number) => {
  const raw = h.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
};

function readOctal(h: Buffer, offset: number, length: number, what: string, name: string): number {
  // Base-256 sizes (high bit set) only exist for files over 8 GB: far past any limit, so refused outright.
  if (h[offset] & 0x80) throw bad(`${name} 的${what}过大`, `entry "${name}" has an oversize ${what} field`);
  const s = text(h, offset, length).trim();
  if (!/^[0-7]*$/.test(s)) throw bad(`${name} 的${what}字段无效`, `entry "${name}" has a malformed ${what} field`);
  return s ? Number.parseInt(s, 8) : 0;
}

const kinds: Record<string, [string, string]> = {
  '1': ['硬链接', 'a hard link'],
  '2': ['符号链接', 'a symbolic link'],
  '3': ['字符设备', 'a character device'],
  '4': ['块设备', 'a block device'],
  '5': ['目录', 'a directory'],
  '6': ['管道', 'a FIFO'],
  x: ['扩展头', 'a pax extended header'],
  g: ['全局扩展头', 'a pax global header'],
  L: ['长文件名记录', 'a GNU long-name record'],
  K: ['长链接名记录', 'a GNU long-link record'],
};

export interface ReadLimits {
  /** Largest size allowed for the named entry (called before its data is read). */
  maxEntryBytes(name: string): number;
  /** Checks a name before its data is read; throws to refuse it. */
  checkName(name: string): void;
}

/** Reads a ustar archive, refusing links, devices, directories, bad checksums and truncation, naming the entry. */
export function readTar(buf: Buffer, limits: ReadLimits): TarEntry[] {
  const out: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= buf.length) {
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return out;
    const prefix = text(h, 345, 155);
    const name = prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100);
    const stored = readOctal(h, 148, 8, 'checksum', name);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== stored) throw bad(`${name} 的头部校验和不符`, `entry "${name}" has a bad header checksum`);
    const type = String.fromCharCode(h[156] || 0x30);
    const kind = kinds[type];
    if (kind)
      throw bad(`${name} 是${kind[0]}，只允许普通文件`, `entry "${name}" is ${kind[1]}; only plain files are allowed`);
    if (type !== '0' && type !== '7') throw bad(`${name} 的类型未知`, `entry "${name}" has an unknown type "${type}"`);
    limits.checkName(name);
    const size = readOctal(h, 124, 12, 'size', name);
    const max = limits.maxEntryBytes(name);
    if (size > max) throw bad(`${name} 超过 ${max} 字节`, `entry "${name}" is ${size} bytes, over its limit of ${max}`);
    const start = at + BLOCK;
    if (start + size > buf.length) throw bad(`${name} 被截断`, `entry "${name}" is truncated`);
    out.push({ name, data: Buffer.from(buf.subarray(start, start + size)) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw bad('缺少归档结束标记', 'the archive is truncated (no end-of-archive blocks)');
}
