import fontkit from '@pdf-lib/fontkit';
import { PDFArray, PDFDict, PDFDocument, type PDFFont, PDFName, type PDFPage, PDFRef, rgb } from 'pdf-lib';
import { contractFontFor } from './font.ts';

/** A template body with `{{key}}` placeholders filled from `values`; unknown keys are left visible as `{{key}}`. */
export function fillTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, key: string) => values[key] ?? m);
}

/** The `{{key}}` names used by a template body, in order of first use. */
export function templateKeys(body: string): string[] {
  return [...new Set([...body.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]))];
}

/**
 * pdf-lib labels every custom font TrueType (CIDFontType2 + FontFile2), but the contract font is CFF-based OpenType.
 * Embed it now and relabel it as PDF 1.6 expects (CIDFontType0 + FontFile3 /Subtype /OpenType), so strict viewers
 * don't reject it. Call after all text is drawn: drawing more text would make pdf-lib embed the font again.
 */
export async function embedAsOpenTypeCff(doc: PDFDocument, font: PDFFont): Promise<void> {
  await font.embed();
  const type0 = doc.context.lookup(font.ref, PDFDict);
  const descendant = doc.context.lookup(type0.lookup(PDFName.of('DescendantFonts'), PDFArray).get(0), PDFDict);
  const descriptor = descendant.lookup(PDFName.of('FontDescriptor'), PDFDict);
  const file = descriptor.get(PDFName.of('FontFile2'));
  if (!(file instanceof PDFRef)) return;
  const stream = doc.context.lookup(file);
  if (!stream || !('dict' in stream)) return;
  (stream.dict as PDFDict).set(PDFName.of('Subtype'), PDFName.of('OpenType'));
  descriptor.delete(PDFName.of('FontFile2'));
  descriptor.set(PDFName.of('FontFile3'), file);
  descendant.set(PDFName.of('Subtype'), PDFName.of('CIDFontType0'));
  descendant.delete(PDFName.of('CIDToGIDMap'));
}

const A4: [number, number] = [595.28, 841.89];
const margin = 56;

/** Lines of `text` that fit `width`, wrapping per character (CJK has no spaces) and keeping explicit line breaks. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  // Widths add up per character (no kerning in the contract font's CJK), so a line is measured once, not per try.
  const widths = new Map<string, number>();
  const w = (ch: string) => {
    const known = widths.get(ch);
    if (known !== undefined) return known;
    const v = font.widthOfTextAtSize(ch, size);
    widths.set(ch, v);
    return v;
  };
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    let lineWidth = 0;
    for (const ch of para) {
      const cw = w(ch);
      if (line && lineWidth + cw > width) {
        out.push(line);
        line = ch === ' ' ? '' : ch;
        lineWidth = ch === ' ' ? 0 : cw;
      } else {
        line += ch;
        lineWidth += cw;
      }
    }
    out.push(line);
  }
  return out;
}

/** Writes lines top-down, adding pages as needed; returns the last page and the y reached. */
export class TextFlow {
  readonly doc: PDFDocument;
  readonly font: PDFFont;
  page: PDFPage;
  y: number;

  constructor(doc: PDFDocument, font: PDFFont) {
    this.doc = doc;
    this.font = font;
    this.page = doc.addPage(A4);
    this.y = A4[1] - margin;
  }

  write(text: string, size = 11, opts: { center?: boolean; gap?: number; grey?: boolean } = {}) {
    const width = A4[0] - 2 * margin;
    for (const line of wrap(text, this.font, size, width)) {
      if (this.y - size < margin) {
        this.page = this.doc.addPage(A4);
        this.y = A4[1] - margin;
      }
      this.y -= size * 1.6;
      const x = opts.center ? (A4[0] - this.font.widthOfTextAtSize(line, size)) / 2 : margin;
      this.page.drawText(line, {
        x,
        y: this.y,
        size,
        font: this.font,
        color: opts.grey ? rgb(0.35, 0.35, 0.35) : rgb(0, 0, 0),
      });
    }
    this.y -= opts.gap ?? 0;
  }
}

export interface RenderInput {
  title: string;
  body: string;
  values: Record<string, string>;
  /** Footer line, e.g. the document id. */
  footer: string;
}

/** Renders a contract to PDF with the Simplified Chinese font embedded (HarfBuzz subset of the characters used). */
export async function renderContract(input: RenderInput): Promise<Buffer> {
  const text = fillTemplate(input.body, input.values);
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(input.title);
  doc.setProducer('Shequ e-signature');
  doc.setCreator('Shequ');
  const font = await doc.embedFont(await contractFontFor(`${input.title}${text}${input.footer}`), {
    subset: false,
    features: { liga: false, clig: false },
  });
  const flow = new TextFlow(doc, font);
  flow.write(input.title, 18, { center: true, gap: 12 });
  flow.write(text, 11);
  flow.write(input.footer, 8, { gap: 0, grey: true });
  await embedAsOpenTypeCff(doc, font);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
