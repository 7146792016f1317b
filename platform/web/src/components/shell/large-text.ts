'use client';

import { useCallback, useEffect, useState } from 'react';
import { LARGE_TEXT_CLASS, LARGE_TEXT_STORAGE_KEY } from '@/lib/theme';

/** Large-text preference of the resident portal, remembered on this device. */
export function useLargeText(): [boolean, (on: boolean) => void] {
  const [large, setLarge] = useState(false);

  useEffect(() => {
    try {
      setLarge(localStorage.getItem(LARGE_TEXT_STORAGE_KEY) === '1');
    } catch {}
  }, []);

  useEffect(() => {
    const root = document.documentElement;
    root.classList.toggle(LARGE_TEXT_CLASS, large);
    // Other shells keep the normal size when the user leaves the portal.
    return () => root.classList.remove(LARGE_TEXT_CLASS);
  }, [large]);

  const set = useCallback((on: boolean) => {
    setLarge(on);
    try {
      localStorage.setItem(LARGE_TEXT_STORAGE_KEY, on ? '1' : '0');
    } catch {}
  }, []);

  return [large, set];
}
