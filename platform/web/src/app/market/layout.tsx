'use client';

import { ShopOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: NavItem[] = [{ href: '/market', labelKey: 'shell.home', icon: <ShopOutlined /> }];

export default function MarketLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="market">
      <DesktopShell shell="market" nav={nav}>
        {children}
      </DesktopShell>
    </ShellGuard>
  );
}
