import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { JsonSchema } from './index.ts';

type Text = { zh: string; en: string };

/** One version in a catalog index. */
export interface CatalogIndexVersion {
  version: string;
  sha256: string;
  bytes: number;
  signedBy: string;
  publisherKey: string;
  state: 'on_shelf' | 'off_shelf';
  killed: boolean;
  killReason?: string;
}

/** The signed body of a catalog index (schemas/market/catalog-index.schema.json). */
export interface CatalogIndex {
  format: 'shequ-catalog-index/1';
  catalogId: string;
  keyId: string;
  publicKey: string;
  serial: number;
  issuedAt: string;
  expiresAt: string;
  apps: {
    appId: string;
    name: Text;
    description: Text;
    scenario: string;
    publisher: { slug: string; name: Text };
    versions: CatalogIndexVersion[];
  }[];
}

export interface SignedCatalogIndex {
  index: CatalogIndex;
  signature: string;
}

export const catalogIndexSchema: JsonSchema = JSON.parse(
  readFileSync(new URL('../market/catalog-index.schema.json', import.meta.url), 'utf8'),
);

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(catalogIndexSchema);

/** Checks a fetched index against the schema; answers the problems (empty when it is well formed). */
export function catalogIndexProblems(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}
