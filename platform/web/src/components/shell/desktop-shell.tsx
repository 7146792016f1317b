'use client';

import { Layout, Menu, type MenuProps, Typography } from 'antd';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { type Shell, shellTitleKey } from '@/lib/shells';
import { ShellSwitcher } from './shell-switcher';
import { UserBadge } from './user-badge';

export type NavItem = { href: string; labelKey: MessageKey; icon?: ReactNode };

/** Operator, government, designer and marketplace shells: a desktop layout with a side menu. */
export function DesktopShell({ shell, nav, children }: { shell: Shell; nav: NavItem[]; children: ReactNode }) {
  const t = useT();
  const pathname = usePathname();
  const router = useRouter();
  // The deepest menu entry that prefixes the path is the one the user is in.
  const selected = nav
    .filter((n) => pathname === n.href || pathname.startsWith(`${n.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0];
  const items: MenuProps['items'] = nav.map((n) => ({ key: n.href, icon: n.icon, label: t(n.labelKey) }));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={220} theme="dark">
        <div style={{ color: '#fff', padding: '16px 20px' }}>
          <div style={{ fontSize: 20, fontWeight: 600 }}>{t('app.name')}</div>
          <div style={{ fontSize: 13, opacity: 0.65 }}>{t(shellTitleKey[shell])}</div>
        </div>
        <Menu
          theme="dark"
          mode="inline"
          items={items}
          selectedKeys={selected ? [selected.href] : []}
          onClick={({ key }) => router.push(key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            display: 'flex',
            justifyContent: 'flex-end',
            alignItems: 'center',
            gap: 16,
            padding: '0 24px',
            borderBottom: '1px solid #f0f0f0',
          }}
        >
          <ShellSwitcher />
          <UserBadge />
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <Typography.Title level={2} data-testid="shell-title" style={{ marginTop: 0 }}>
            {t(shellTitleKey[shell])}
          </Typography.Title>
          <div style={{ background: '#fff', borderRadius: 8, padding: 24 }}>{children}</div>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
