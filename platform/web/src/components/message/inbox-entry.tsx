'use client';

import { MailOutlined } from '@ant-design/icons';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';

/** A big tap target to 我的消息 on "我的". */
export function InboxEntry() {
  const t = useT();
  return (
    <EntryCard
      href="/app/me/inbox"
      testId="me-inbox-link"
      icon={(token) => <MailOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorPrimary }} />}
      title={t('inbox.entry')}
      hint={t('inbox.entry.hint')}
    />
  );
}
