'use client';

import { AppstoreOutlined, FundProjectionScreenOutlined, ThunderboltOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: NavItem[] = [
  { href: '/gov', labelKey: 'shell.cockpit', icon: <FundProjectionScreenOutlined /> },
  { href: '/gov/operations', labelKey: 'shell.operations', icon: <AppstoreOutlined /> },
  { href: '/gov/energy', labelKey: 'nav.energy', icon: <ThunderboltOutlined /> },
];

export default function GovLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="gov">
      <DesktopShell shell="gov" nav={nav}>
        {children}
      </DesktopShell>
    </ShellGuard>
  );
}
