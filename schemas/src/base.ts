import { readFileSync } from 'node:fs';

/** Data grades of the standard: L1 public … L4 sensitive personal; L3+ is encrypted at rest and masked by default. */
export type Grade = 'L1' | 'L2' | 'L3' | 'L4';

export interface JsonSchema {
  $id?: string;
  title?: string;
  type?: string;
  required?: string[];
  properties?: Record<string, JsonSchema & { 'x-grade'?: Grade; 'x-enumNames'?: string[]; enum?: unknown[] }>;
  [k: string]: unknown;
}

const load = (rel: string): JsonSchema => JSON.parse(readFileSync(new URL(`../${rel}`, import.meta.url), 'utf8'));

/** The exchange contracts of the base warehouse, by record type. */
export const baseSchemas = {
  person: load('base/person.schema.json'),
  house: load('base/house.schema.json'),
  occupancy: load('base/occupancy.schema.json'),
  vehicle: load('base/vehicle.schema.json'),
  space: load('base/space.schema.json'),
  facility: load('base/facility.schema.json'),
} as const;

export type BaseRecordType = keyof typeof baseSchemas;
