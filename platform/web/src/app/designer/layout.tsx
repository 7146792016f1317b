'use client';

import { BuildOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: NavItem[] = [{ href: '/designer', labelKey: 'shell.workbench', icon: <BuildOutlined /> }];

export default function DesignerLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="designer">
      <DesktopShell shell="designer" nav={nav}>
        {children}
      </DesktopShell>
    </ShellGuard>
  );
}
