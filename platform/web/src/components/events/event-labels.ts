import type { MessageKey } from '@/i18n/lang';
import type { TFunction } from '@/i18n/lang-provider';

/**
 * What the desk reports. Public-health (公共卫生) emergencies of DB33 6.2.2.3 have no device source and are reported
 * here; so are work-safety (安全生产) hazards no gas detector saw.
 */
export const eventTypes = [
  'repair',
  'environment',
  'security',
  'neighbour',
  'noise',
  'public-health',
  'work-safety',
  'other',
] as const;
export const severities = ['low', 'normal', 'high', 'critical'] as const;
export const defaultStates = [
  'reported',
  'accepted',
  'assigned',
  'in_progress',
  'resolved',
  'rated',
  'closed',
] as const;

export const severityColor: Record<string, string> = {
  low: 'default',
  normal: 'blue',
  high: 'orange',
  critical: 'red',
};

export const stateColor: Record<string, string> = {
  reported: 'gold',
  accepted: 'cyan',
  assigned: 'blue',
  in_progress: 'processing',
  resolved: 'green',
  rated: 'lime',
  closed: 'default',
};

/** A label from the dictionary, or the raw value for codes the dictionary does not know (plugins' own). */
function known(t: TFunction, key: string, raw: string) {
  const label = t(key as MessageKey);
  return label === undefined || label === key ? raw : label;
}

export const typeLabel = (t: TFunction, type: string) => known(t, `events.type.${type}`, type);
export const stateLabel = (t: TFunction, state: string) => known(t, `events.state.${state}`, state);
export const severityLabel = (t: TFunction, s: string) => known(t, `events.severity.${s}`, s);
export const sourceLabel = (t: TFunction, s: string) => known(t, `events.source.${s}`, s);
export const actionLabel = (t: TFunction, a: string) => known(t, `events.action.${a}`, a);

/** Dates as an older resident reads them: 2026年11月28日 16:55. */
export function when(iso: string, lang: string) {
  return new Intl.DateTimeFormat(lang, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}
