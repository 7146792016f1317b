'use client';

import { AppstoreOutlined, FundProjectionScreenOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: NavItem[] = [
  { href: '/gov', labelKey: 'shell.cockpit', icon: <FundProjectionScreenOutlined /> },
  { href: '/gov/operations', labelKey: 'shell.operations', icon: <AppstoreOutlined /> },
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
