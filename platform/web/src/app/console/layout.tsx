'use client';

import { DashboardOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: NavItem[] = [{ href: '/console', labelKey: 'shell.workbench', icon: <DashboardOutlined /> }];

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="console">
      <DesktopShell shell="console" nav={nav}>
        {children}
      </DesktopShell>
    </ShellGuard>
  );
}
