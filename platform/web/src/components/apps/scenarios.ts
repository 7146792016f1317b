import type { MessageKey } from '@/i18n/lang';

/** The nine scenarios of the future community, in the order residents see them. */
export const SCENARIOS = [
  'neighbourhood',
  'education',
  'health',
  'services',
  'governance',
  'building',
  'transport',
  'low-carbon',
  'entrepreneurship',
] as const;

export type ScenarioId = (typeof SCENARIOS)[number];

export function scenarioKey(scenario: string): MessageKey | null {
  return (SCENARIOS as readonly string[]).includes(scenario) ? (`apps.scenario.${scenario}` as MessageKey) : null;
}

/** Items grouped by scenario in the canonical order; unknown scenarios come last. */
export function byScenario<T extends { scenario: string | null }>(items: T[]): Array<[string, T[]]> {
  const order = (s: string | null) => {
    const i = (SCENARIOS as readonly string[]).indexOf(s ?? '');
    return i < 0 ? SCENARIOS.length : i;
  };
  const groups = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => order(a.scenario) - order(b.scenario))) {
    const key = item.scenario ?? 'other';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.entries()];
}
