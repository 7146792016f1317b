'use client';

import {
  AppstoreOutlined,
  AuditOutlined,
  CloudUploadOutlined,
  DeliveredProcedureOutlined,
  DeploymentUnitOutlined,
  ShopOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { useShell } from '@/components/shell/shell-context';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: Array<NavItem & { permission: string }> = [
  { href: '/market', labelKey: 'market.nav.catalog', icon: <ShopOutlined />, permission: 'market.browse' },
  {
    href: '/market/installs',
    labelKey: 'market.nav.installs',
    icon: <AppstoreOutlined />,
    permission: 'market.operate',
  },
  {
    href: '/market/rollouts',
    labelKey: 'market.nav.rollouts',
    icon: <DeliveredProcedureOutlined />,
    permission: 'market.operate',
  },
  {
    href: '/market/publish',
    labelKey: 'market.nav.publish',
    icon: <CloudUploadOutlined />,
    permission: 'market.publish',
  },
  { href: '/market/review', labelKey: 'market.nav.review', icon: <AuditOutlined />, permission: 'market.review' },
  {
    href: '/market/upstreams',
    labelKey: 'market.nav.upstreams',
    icon: <DeploymentUnitOutlined />,
    permission: 'market.federate',
  },
];

/** Each role sees the parts of the marketplace it may use: operators, publishers and reviewers differ. */
function MarketFrame({ children }: { children: ReactNode }) {
  const { me } = useShell();
  const mine = nav.filter((n) => me.permissions.includes(n.permission));
  return (
    <DesktopShell shell="market" nav={mine}>
      {children}
    </DesktopShell>
  );
}

export default function MarketLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="market">
      <MarketFrame>{children}</MarketFrame>
    </ShellGuard>
  );
}
