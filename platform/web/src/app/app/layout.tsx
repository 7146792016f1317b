'use client';

import type { ReactNode } from 'react';
import { MobileShell } from '@/components/shell/mobile-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

export default function ResidentLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="app">
      <MobileShell>{children}</MobileShell>
    </ShellGuard>
  );
}
