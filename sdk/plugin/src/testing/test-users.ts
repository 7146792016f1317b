import type { PluginUser } from '../context.ts';

/** Fixed ids of the test users, so tests can refer to them. */
export const testUsers = {
  resident: { id: '00000000-0000-4000-8000-0000000000a1', role: 'resident' },
  operator: { id: '00000000-0000-4000-8000-0000000000b1', role: 'operator' },
} as const satisfies Record<string, PluginUser>;
