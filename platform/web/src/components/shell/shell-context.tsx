'use client';

import { createContext, useContext } from 'react';
import type { Me, Shell } from '@/lib/shells';

type ShellContextValue = { me: Me; shell: Shell };

export const ShellContext = createContext<ShellContextValue | null>(null);

/** The signed-in user as loaded by the shell guard; only usable inside a shell layout. */
export function useShell(): ShellContextValue {
  const ctx = useContext(ShellContext);
  if (!ctx) throw new Error('useShell must be used inside a shell layout');
  return ctx;
}
