/** A base64 PDF as a blob URL (for an inline viewer or a download link). */
export function pdfUrl(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
}

/** Saves a base64 PDF under `filename`. */
export function downloadPdf(base64: string, filename: string) {
  const a = document.createElement('a');
  a.href = pdfUrl(base64);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Reads a File as base64 (without the data: prefix). */
export async function fileBase64(file: Blob): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(s);
}
