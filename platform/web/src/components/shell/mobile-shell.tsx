'use client';

import { CalendarOutlined, HomeOutlined, UserOutlined } from '@ant-design/icons';
import { ConfigProvider, Switch, Typography } from 'antd';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { largeTextToken } from '@/lib/theme';
import { useLargeText } from './large-text';
import { UserBadge } from './user-badge';

const tabs: Array<{ href: string; labelKey: MessageKey; icon: ReactNode }> = [
  { href: '/app', labelKey: 'shell.home', icon: <HomeOutlined /> },
  { href: '/app/bookings', labelKey: 'nav.bookings', icon: <CalendarOutlined /> },
  { href: '/app/me', labelKey: 'shell.me', icon: <UserOutlined /> },
];

const COLUMN_WIDTH = 480;

/** Resident portal: phone-sized column, bottom tab bar, and a large-text mode for older residents. */
export function MobileShell({ children }: { children: ReactNode }) {
  const t = useT();
  const pathname = usePathname();
  const [large, setLarge] = useLargeText();
  const tabBarHeight = large ? 72 : 56;
  return (
    <ConfigProvider theme={{ token: large ? largeTextToken : { fontSize: 15 } }}>
      <div
        data-testid="mobile-shell"
        data-large-text={large ? 'on' : 'off'}
        style={{
          maxWidth: COLUMN_WIDTH,
          margin: '0 auto',
          minHeight: '100vh',
          background: '#fff',
          paddingBottom: tabBarHeight + 16,
          boxShadow: '0 0 24px rgba(0,0,0,0.06)',
        }}
      >
        <header style={{ padding: '12px 16px', borderBottom: '1px solid #f0f0f0' }}>
          <UserBadge compact />
        </header>
        <main style={{ padding: 16 }}>
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 12 }}>
            <Typography.Title level={3} data-testid="shell-title" style={{ margin: 0 }}>
              {t('shell.app')}
            </Typography.Title>
            <span data-testid="large-text-toggle" style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
              <label htmlFor="large-text-switch">{t('shell.largeText')}</label>
              <Switch id="large-text-switch" checked={large} onChange={setLarge} />
            </span>
          </div>
          {children}
        </main>
        <nav
          style={{
            position: 'fixed',
            bottom: 0,
            left: '50%',
            transform: 'translateX(-50%)',
            width: '100%',
            maxWidth: COLUMN_WIDTH,
            height: tabBarHeight,
            display: 'flex',
            background: '#fff',
            borderTop: '1px solid #f0f0f0',
            zIndex: 10,
          }}
        >
          {tabs.map((tab) => {
            const active = tab.href === '/app' ? pathname === '/app' : pathname.startsWith(tab.href);
            return (
              <Link
                key={tab.href}
                href={tab.href}
                aria-current={active ? 'page' : undefined}
                style={{
                  flex: 1,
                  display: 'flex',
                  flexDirection: 'column',
                  alignItems: 'center',
                  justifyContent: 'center',
                  gap: 2,
                  color: active ? '#1f6feb' : '#666',
                  fontSize: large ? 18 : 12,
                  textDecoration: 'none',
                }}
              >
                <span style={{ fontSize: large ? 26 : 20 }}>{tab.icon}</span>
                {t(tab.labelKey)}
              </Link>
            );
          })}
        </nav>
      </div>
    </ConfigProvider>
  );
}
