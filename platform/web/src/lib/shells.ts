import type { inferOutput, TRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { MessageKey } from '@/i18n/lang';
import type { AppRouter } from './trpc';

export type Me = inferOutput<TRPCOptionsProxy<AppRouter>['auth']['me']>;
export type MeRole = Me['roles'][number];

export const SHELLS = ['app', 'console', 'gov', 'designer', 'market'] as const;
export type Shell = (typeof SHELLS)[number];

export const shellTitleKey: Record<Shell, MessageKey> = {
  app: 'shell.app',
  console: 'shell.console',
  gov: 'shell.gov',
  designer: 'shell.designer',
  market: 'shell.market',
};

// Which role a header shows when a user holds several: the one that explains why they are in this shell.
const shellRolePreference: Record<Shell, string[]> = {
  app: ['resident'],
  console: ['community_admin', 'property_staff', 'grid_worker', 'platform_admin'],
  gov: ['gov_city', 'gov_district', 'gov_street', 'platform_admin'],
  designer: ['service_provider', 'plugin_developer', 'platform_admin'],
  market: ['market_reviewer', 'service_provider', 'plugin_developer', 'community_admin', 'platform_admin'],
};

export function isShell(value: string): value is Shell {
  return (SHELLS as readonly string[]).includes(value);
}

export function primaryRole(me: Me, shell: Shell): MeRole | null {
  for (const role of shellRolePreference[shell]) {
    const found = me.roles.find((r) => r.role === role);
    if (found) return found;
  }
  return me.roles[0] ?? null;
}

export function firstShell(me: Me): Shell | null {
  return me.shells.find(isShell) ?? null;
}

/** Only same-site paths are followed after login, so `?next=` cannot send users to another site. */
export function safeNext(next: string | null | undefined): string | null {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (next.startsWith('/api/') || next === '/login' || next.startsWith('/login?')) return null;
  return next;
}
