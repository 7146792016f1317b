// Which standard thing model measures what for the 低碳能耗库 (DB33 7.2.2.5), and which of its properties is the
// cumulative counter. This is the one place that says so: the analysis in energy.ts reads nothing else.
import { standardThingModels, type ThingModel } from '@shequ/schemas';

/**
 * A figure the energy analysis reports. Public-facility uses (7.2.2.5.1); new energy (7.2.2.5.2): PV generation,
 * geothermal heat/cool supplied and the electricity the geothermal heat pumps drew; heat/cool (7.2.2.5.3); household
 * utilities (7.2.2.5.5).
 */
export type EnergyMeasure =
  | 'lighting'
  | 'hvac'
  | 'lift'
  | 'ev'
  | 'pv'
  | 'geothermal'
  | 'geothermalInput'
  | 'heat'
  | 'cool'
  | 'water'
  | 'power'
  | 'gas';

export const publicUses = ['lighting', 'hvac', 'lift', 'ev'] as const;
export type PublicUse = (typeof publicUses)[number];
export const householdUtilities = ['water', 'power', 'gas'] as const;
export type HouseholdUtility = (typeof householdUtilities)[number];

export interface CounterSpec {
  measure: EnergyMeasure;
  /** The property holding a cumulative (never decreasing, except at a reset or meter change) reading. */
  identifier: string;
  unit: string;
}

/**
 * By standard model (file name in schemas/iot/models): the counters whose difference over a period is the
 * consumption, generation or supply. Instantaneous properties (activePower, acPower, flow, temperatures) are not
 * summed: integrating power samples is less exact than the meter's own counter. The PV inverter's `dailyYield`
 * restarts every day and is not used; `totalYield` is.
 */
export const energyCatalog: Record<string, CounterSpec[]> = {
  'energy-meter-lighting': [{ measure: 'lighting', identifier: 'energyTotal', unit: 'kWh' }],
  'energy-meter-hvac': [{ measure: 'hvac', identifier: 'energyTotal', unit: 'kWh' }],
  'energy-meter-lift': [{ measure: 'lift', identifier: 'energyTotal', unit: 'kWh' }],
  'energy-meter-ev-charger': [{ measure: 'ev', identifier: 'energyTotal', unit: 'kWh' }],
  'pv-inverter': [{ measure: 'pv', identifier: 'totalYield', unit: 'kWh' }],
  'ground-source-heat-pump': [
    { measure: 'geothermal', identifier: 'suppliedEnergy', unit: 'kWh' },
    { measure: 'geothermalInput', identifier: 'electricEnergy', unit: 'kWh' },
  ],
  'heat-cool-meter': [
    { measure: 'heat', identifier: 'heatEnergy', unit: 'kWh' },
    { measure: 'cool', identifier: 'coolEnergy', unit: 'kWh' },
  ],
  'water-meter': [{ measure: 'water', identifier: 'total', unit: 'm³' }],
  'power-meter': [{ measure: 'power', identifier: 'energyTotal', unit: 'kWh' }],
  'gas-meter': [{ measure: 'gas', identifier: 'total', unit: 'm³' }],
};

export const measureUnit: Record<EnergyMeasure, string> = {
  lighting: 'kWh',
  hvac: 'kWh',
  lift: 'kWh',
  ev: 'kWh',
  pv: 'kWh',
  geothermal: 'kWh',
  geothermalInput: 'kWh',
  heat: 'kWh',
  cool: 'kWh',
  water: 'm³',
  power: 'kWh',
  gas: 'm³',
};

let standard: Array<{ id: string; category: string; clause: string; name: string }> | undefined;
const standardProfiles = () => {
  standard ??= Object.entries(standardThingModels())
    .filter(([id]) => id in energyCatalog)
    .map(([id, m]) => ({
      id,
      category: m.profile?.category ?? '',
      clause: m.profile?.clause ?? '',
      name: m.profile?.name ?? '',
    }));
  return standard;
};

/**
 * The counters of a product, from its thing model's profile: the standard model with the same category and clause
 * (6.2.4.1 energy, 6.2.4.2 renewable, 6.2.4.4 heating, 6.2.4.5 utilities) and, where a clause has several models (the
 * four public-facility meters, PV inverter and geothermal heat pump, the three household meters), the same profile
 * name, else the one model whose counters the product declares (a PV inverter renamed by its maker still reports
 * `totalYield`). Only counters the product's model declares as properties are kept. A product matching no standard
 * model is not part of the analysis.
 */
export function countersOf(model: unknown): CounterSpec[] {
  const m = (model ?? {}) as ThingModel;
  const p = m.profile;
  if (!p?.category || !p.clause) return [];
  const same = standardProfiles().filter((s) => s.category === p.category && s.clause === p.clause);
  const props = new Set((m.properties ?? []).map((x) => x.identifier));
  const declaring = same.filter((s) => energyCatalog[s.id].some((c) => props.has(c.identifier)));
  const hit =
    same.length === 1
      ? same[0]
      : (same.find((s) => s.name === p.name) ?? (declaring.length === 1 ? declaring[0] : undefined));
  if (!hit) return [];
  return energyCatalog[hit.id].filter((c) => props.has(c.identifier));
}
