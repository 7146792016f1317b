'use client';

import { AlertOutlined, RightOutlined } from '@ant-design/icons';
import { theme } from 'antd';
import Link from 'next/link';
import { useT } from '@/i18n/lang-provider';

/** A big tap target leading to 我的事件, on the resident home and on "我的". */
export function EventsEntry({ testId }: { testId: string }) {
  const t = useT();
  const { token } = theme.useToken();
  return (
    <Link
      href="/app/me/events"
      data-testid={testId}
      style={{
        display: 'flex',
        alignItems: 'center',
        gap: 12,
        marginTop: 16,
        padding: '14px 16px',
        minHeight: 64,
        borderRadius: 12,
        background: '#fff7e6',
        color: 'inherit',
        textDecoration: 'none',
      }}
    >
      <AlertOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorWarning }} />
      <span style={{ flex: 1, display: 'flex', flexDirection: 'column' }}>
        <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>{t('events.entry')}</span>
        <span style={{ color: token.colorTextSecondary, fontSize: token.fontSizeSM }}>{t('events.entry.hint')}</span>
      </span>
      <RightOutlined style={{ color: token.colorTextTertiary }} />
    </Link>
  );
}
