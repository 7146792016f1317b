'use client';

import {
  AlertOutlined,
  ApiOutlined,
  AppstoreOutlined,
  AuditOutlined,
  CalendarOutlined,
  CarOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  DeploymentUnitOutlined,
  EnvironmentOutlined,
  FileProtectOutlined,
  GiftOutlined,
  GlobalOutlined,
  HomeOutlined,
  KeyOutlined,
  MergeCellsOutlined,
  MonitorOutlined,
  NotificationOutlined,
  TeamOutlined,
  ThunderboltOutlined,
  ToolOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import { DesktopShell, type NavItem } from '@/components/shell/desktop-shell';
import { ShellGuard } from '@/components/shell/shell-guard';

const nav: NavItem[] = [
  { href: '/console', labelKey: 'shell.workbench', icon: <DashboardOutlined /> },
  { href: '/console/people', labelKey: 'nav.people', icon: <TeamOutlined /> },
  { href: '/console/houses', labelKey: 'nav.houses', icon: <HomeOutlined /> },
  { href: '/console/vehicles', labelKey: 'nav.vehicles', icon: <CarOutlined /> },
  { href: '/console/places', labelKey: 'nav.places', icon: <EnvironmentOutlined /> },
  { href: '/console/facilities', labelKey: 'nav.facilities', icon: <ToolOutlined /> },
  { href: '/console/map', labelKey: 'nav.map', icon: <GlobalOutlined /> },
  { href: '/console/events', labelKey: 'nav.events', icon: <AlertOutlined /> },
  { href: '/console/import', labelKey: 'nav.import', icon: <CloudUploadOutlined /> },
  { href: '/console/merges', labelKey: 'nav.merges', icon: <MergeCellsOutlined /> },
  { href: '/console/spaces', labelKey: 'nav.spaces', icon: <CalendarOutlined /> },
  { href: '/console/access', labelKey: 'nav.access', icon: <CarOutlined /> },
  { href: '/console/messages', labelKey: 'nav.messages', icon: <NotificationOutlined /> },
  { href: '/console/contracts', labelKey: 'nav.contracts', icon: <FileProtectOutlined /> },
  { href: '/console/apps', labelKey: 'nav.apps', icon: <AppstoreOutlined /> },
  { href: '/console/devices', labelKey: 'nav.devices', icon: <ApiOutlined /> },
  { href: '/console/energy', labelKey: 'nav.energy', icon: <ThunderboltOutlined /> },
  { href: '/console/warehouse', labelKey: 'nav.warehouse', icon: <DatabaseOutlined /> },
  { href: '/console/situations', labelKey: 'nav.situations', icon: <MonitorOutlined /> },
  { href: '/console/rules', labelKey: 'nav.rules', icon: <DeploymentUnitOutlined /> },
  { href: '/console/points', labelKey: 'nav.points', icon: <GiftOutlined /> },
  { href: '/console/payments', labelKey: 'nav.payments', icon: <WalletOutlined /> },
  { href: '/console/api-clients', labelKey: 'nav.apiClients', icon: <KeyOutlined /> },
  { href: '/console/audit', labelKey: 'nav.audit', icon: <AuditOutlined /> },
];

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <ShellGuard shell="console">
      <DesktopShell shell="console" nav={nav}>
        {children}
      </DesktopShell>
    </ShellGuard>
  );
}
