'use client';

import { MailOutlined, RightOutlined } from '@ant-design/icons';
import { theme } from 'antd';
import Link from 'next/link';
import { useT } from '@/i18n/lang-provider';

/** A big tap target to 我的消息 on "我的". */
export function InboxEntry() {
  const t = useT();
  const { token } = theme.useToken();
  return (
    <Link
      href="/app/me/inbox"
      data-testid="me-inbox-link"
      style={{
        display: 'flex',
        alignItems: 'center',
        gap: 12,
        marginTop: 16,
        padding: '14px 16px',
        minHeight: 64,
        borderRadius: 12,
        background: '#f5f8ff',
        color: 'inherit',
        textDecoration: 'none',
      }}
    >
      <MailOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorPrimary }} />
      <span style={{ flex: 1, display: 'flex', flexDirection: 'column' }}>
        <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>{t('inbox.entry')}</span>
        <span style={{ color: token.colorTextSecondary, fontSize: token.fontSizeSM }}>{t('inbox.entry.hint')}</span>
      </span>
      <RightOutlined style={{ color: token.colorTextTertiary }} />
    </Link>
  );
}
