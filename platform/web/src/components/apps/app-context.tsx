'use client';

import { createContext, useContext } from 'react';
import type { AppDef, Audience } from './app-types';

export type AppHostValue = {
  community: string;
  audience: Audience;
  app: AppDef;
  /** Phone layout (resident portal): cards instead of tables, full-width buttons. */
  compact: boolean;
  /** Opens another page of the app by its id (with a record id for detail pages). */
  go(pageId: string, id?: string): void;
  /** A stored value in words: a filter option's label for that field, else (tags) the app's i18n table. */
  label(field: string, value: string, tag: boolean): string;
};

export const AppHostContext = createContext<AppHostValue | null>(null);

/** The app being rendered and how to move between its pages; only inside `<AppHost>`. */
export function useAppHost(): AppHostValue {
  const ctx = useContext(AppHostContext);
  if (!ctx) throw new Error('useAppHost must be used inside <AppHost>');
  return ctx;
}
