import type { AppErrorData } from '@/lib/app-error';

export type ImportKind = 'people' | 'houses' | 'vehicles';

export type ImportReport = {
  batchId: string;
  kind: ImportKind;
  rows: number;
  valid: number;
  errors: { row: number; column: string; reason: string }[];
  committed: boolean;
  created: number;
  unchanged: number;
  proposals: { row: number; entity: 'person' | 'house' | 'vehicle'; fields: string[] }[];
  proposed: number;
};

export type ChosenFile = { name: string; data: ArrayBuffer };

/** A file-level refusal (missing columns, unreadable file, no permission): the server's message. */
export class ImportFailed extends Error {
  constructor(readonly data: AppErrorData | null) {
    super(data?.messageEn ?? 'import failed');
  }
}

/** Sends the file as the raw body to the same-origin import route (the session cookie goes along). */
export async function postImport(
  kind: ImportKind,
  community: string,
  file: ChosenFile,
  dryRun: boolean,
): Promise<ImportReport> {
  const query = new URLSearchParams({ community, dryRun: String(dryRun) });
  const res = await fetch(`/api/base/import/${kind}?${query}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) },
    body: file.data,
  });
  const body = (await res.json().catch(() => null)) as (ImportReport & { error?: AppErrorData }) | null;
  if (!res.ok || !body || body.error) throw new ImportFailed(body?.error ?? null);
  return body;
}
