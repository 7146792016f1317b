'use client';

import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { LANG_COOKIE, LANG_STORAGE_KEY, type Lang, type MessageKey, parseLang, translate } from './lang';

type LangContextValue = { lang: Lang; setLang: (lang: Lang) => void };

const LangContext = createContext<LangContextValue | null>(null);

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

function persist(lang: Lang) {
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Private browsing can refuse storage; the cookie alone still carries the choice.
  }
  // The cookie lets the server render the right language on the next request (no flash).
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is still missing from some browsers residents use.
  document.cookie = `${LANG_COOKIE}=${lang}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
  document.documentElement.lang = lang;
}

export function LangProvider({ initialLang, children }: { initialLang: Lang; children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);

  useEffect(() => {
    // The cookie may have been cleared while localStorage kept the choice: restore it.
    let stored: Lang | null = null;
    try {
      stored = parseLang(localStorage.getItem(LANG_STORAGE_KEY));
    } catch {}
    if (stored && stored !== initialLang) {
      setLangState(stored);
      persist(stored);
    }
  }, [initialLang]);

  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    persist(next);
  }, []);

  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangContextValue {
  const ctx = useContext(LangContext);
  if (!ctx) throw new Error('useLang must be used inside <LangProvider>');
  return ctx;
}

export type TFunction = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function useT(): TFunction {
  const { lang } = useLang();
  return useCallback((key, vars) => translate(lang, key, vars), [lang]);
}
