import { readdirSync, readFileSync } from 'node:fs';
import type { ThingModel } from './thing-model.ts';

const dir = new URL('../iot/models/', import.meta.url);

/** The standard thing models for the sensors of DB33 6.2, by file name (e.g. `smoke-detector`). */
export function standardThingModels(): Record<string, ThingModel> {
  const out: Record<string, ThingModel> = {};
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    out[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
  }
  return out;
}
