'use client';

import type { inferOutput } from '@trpc/tanstack-react-query';
import type { useTRPC } from '@/lib/trpc';

type Api = ReturnType<typeof useTRPC>;
export type ProductRow = inferOutput<Api['iot']['products']['list']>[number];
export type Product = inferOutput<Api['iot']['products']['get']>;
export type DeviceRow = inferOutput<Api['iot']['devices']['list']>['items'][number];
export type DeviceDetail = inferOutput<Api['iot']['devices']['get']>;
export type StandardModel = inferOutput<Api['iot']['products']['standardModels']>[number];
export type DeviceStatus = DeviceRow['status'];

export const statusColor: Record<DeviceStatus, string> = {
  online: 'green',
  offline: 'default',
  inactive: 'blue',
  disabled: 'red',
};

/** Times as operators read them in the console: 2026-11-28 16:55:03, in the browser's language. */
export function stamp(value: string | number | Date | null | undefined, lang: string) {
  if (value === null || value === undefined) return '—';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(value));
}
export type RuleRow = inferOutput<Api['iot']['rules']['list']>[number];
