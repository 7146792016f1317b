import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The contract font: Noto Sans Hans (Simplified Chinese, SIL OFL) shipped as a whole OTF by `@embedpdf/fonts-sc`.
 * Embedding all 8 MB in every contract is wasteful and fontkit's own subsetter corrupts CJK CFF fonts, so the text's
 * characters are subset with HarfBuzz (hb-subset via `subset-font`), then embedded whole by pdf-lib.
 *
 * One catch: the font is CID-keyed. hb-subset renumbers glyphs but keeps the original CIDs in the CFF charset, while
 * pdf-lib writes glyph ids as CIDs (Identity-H). A viewer maps CID → glyph through the charset and would draw the wrong
 * glyphs, so the subset's charset is rewritten to the identity (CID n = glyph n) before embedding.
 */
let fontBytes: Buffer | undefined;

type SubsetFont = (
  font: Uint8Array,
  text: string,
  options?: { targetFormat?: 'sfnt' | 'woff' | 'woff2' },
) => Promise<Buffer>;
// subset-font (CommonJS) ships no typings; loaded through require so the web app's type check needs no ambient module.
const subsetFont = createRequire(import.meta.url)('subset-font') as SubsetFont;
export function contractFontFile(): Buffer {
  if (!fontBytes) {
    const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
    fontBytes = readFileSync(join(dirname(entry), '..', 'fonts', 'NotoSansHans-Regular.otf'));
  }
  return fontBytes;
}

/** A HarfBuzz subset of the contract font covering `text` (plus ASCII), with an identity CID charset. */
export async function contractFontFor(text: string): Promise<Buffer> {
  let ascii = '';
  for (let c = 0x20; c < 0x7f; c++) ascii += String.fromCharCode(c);
  const sub = await subsetFont(contractFontFile(), `${ascii}${text}`, { targetFormat: 'sfnt' });
  identityCharset(sub);
  return sub;
}

/** Reads a CFF INDEX at `at`; returns the offsets of its items (absolute) and where it ends. */
function readIndex(b: Buffer, at: number): { items: [number, number][]; end: number } {
  const count = b.readUInt16BE(at);
  if (count === 0) return { items: [], end: at + 2 };
  const offSize = b[at + 2];
  const off = (i: number) => b.readUIntBE(at + 3 + i * offSize, offSize);
  const dataStart = at + 3 + (count + 1) * offSize - 1;
  const items: [number, number][] = [];
  for (let i = 0; i < count; i++) items.push([dataStart + off(i), dataStart + off(i + 1)]);
  return { items, end: dataStart + off(count) };
}

/** The operands of a CFF DICT operator (`op`, one byte), integers only. */
function dictOperand(b: Buffer, from: number, to: number, op: number): number | undefined {
  const stack: number[] = [];
  let i = from;
  while (i < to) {
    const v = b[i];
    if (v <= 21) {
      let code = v;
      i++;
      if (v === 12) code = 1200 + b[i++];
      if (code === op) return stack[stack.length - 1];
      stack.length = 0;
    } else if (v === 28) {
      stack.push(b.readInt16BE(i + 1));
      i += 3;
    } else if (v === 29) {
      stack.push(b.readInt32BE(i + 1));
      i += 5;
    } else if (v === 30) {
      // Real number: nibbles until 0xf; not used by the operators read here.
      i++;
      while (i < to && (b[i] & 0x0f) !== 0x0f && (b[i] & 0xf0) !== 0xf0) i++;
      i++;
      stack.push(0);
    } else if (v >= 32 && v <= 246) {
      stack.push(v - 139);
      i++;
    } else if (v >= 247 && v <= 250) {
      stack.push((v - 247) * 256 + b[i + 1] + 108);
      i += 2;
    } else if (v >= 251 && v <= 254) {
      stack.push(-(v - 251) * 256 - b[i + 1] - 108);
      i += 2;
    } else i++;
  }
  return undefined;
}

/** Rewrites, in place, the charset of a CID-keyed CFF table in an sfnt to the identity mapping. */
export function identityCharset(font: Buffer): void {
  const numTables = font.readUInt16BE(4);
  let cff = -1;
  for (let t = 0; t < numTables; t++) {
    const rec = 12 + t * 16;
    if (font.toString('latin1', rec, rec + 4) === 'CFF ') cff = font.readUInt32BE(rec + 8);
  }
  if (cff < 0) return;
  const b = font.subarray(cff);
  const names = readIndex(b, b[2]);
  const top = readIndex(b, names.end);
  const [from, to] = top.items[0];
  if (dictOperand(b, from, to, 1230) === undefined) return; // ROS absent: not CID-keyed, CIDs are not used
  const charsetAt = dictOperand(b, from, to, 15);
  const charStringsAt = dictOperand(b, from, to, 17);
  if (!charsetAt || !charStringsAt || charsetAt < 3) return;
  const nGlyphs = b.readUInt16BE(charStringsAt);
  const format = b[charsetAt];
  // Bytes the current charset occupies: the identity must fit in them (it always does, being the smallest form).
  let size = 1;
  let covered = 1;
  while (covered < nGlyphs) {
    if (format === 0) {
      size += 2;
      covered++;
    } else if (format === 1) {
      covered += b[charsetAt + size + 2] + 1;
      size += 3;
    } else {
      covered += b.readUInt16BE(charsetAt + size + 2) + 1;
      size += 4;
    }
  }
  const ranges: number[][] = [];
  for (let first = 1; first < nGlyphs; first += 256) ranges.push([first, Math.min(255, nGlyphs - 1 - first)]);
  const need1 = 1 + 3 * ranges.length;
  if (nGlyphs <= 1) return;
  if (need1 <= size) {
    b[charsetAt] = 1;
    ranges.forEach(([first, left], i) => {
      b.writeUInt16BE(first, charsetAt + 1 + i * 3);
      b[charsetAt + 3 + i * 3] = left;
    });
  } else if (size >= 5) {
    b[charsetAt] = 2;
    b.writeUInt16BE(1, charsetAt + 1);
    b.writeUInt16BE(nGlyphs - 2, charsetAt + 3);
  } else throw new Error('cannot rewrite the font charset in place');
}
