import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import { contractFontFor } from './font.ts';

/** A template body with `{{key}}` placeholders filled from `values`; unknown keys are left visible as `{{key}}`. */
export function fillTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, key: string) => values[key] ?? m);
}

/** The `{{key}}` names used by a template body, in order of first use. */
export function templateKeys(body: string): string[] {
  return [...new Set([...body.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]))];
}

const A4: [number, number] = [595.28, 841.89];
const margin = 56;

/** Lines of `text` that fit `width`, wrapping per character (CJK has no spaces) and keeping explicit line breaks. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    for (const ch of para) {
      const next = line + ch;
      if (line && font.widthOfTextAtSize(next, size) > width) {
        out.push(line);
        line = ch === ' ' ? '' : ch;
      } else line = next;
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
  const font = await doc.embedFont(await contractFontFor(`${input.title}${text}${input.footer}`), { subset: false });
  const flow = new TextFlow(doc, font);
  flow.write(input.title, 18, { center: true, gap: 12 });
  flow.write(text, 11);
  flow.write(input.footer, 8, { gap: 0, grey: true });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
