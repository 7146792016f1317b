'use client';

import { UserAddOutlined } from '@ant-design/icons';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';

/** A big tap target leading to 访客邀请 on "我的". */
export function VisitorsEntry({ testId }: { testId: string }) {
  const t = useT();
  return (
    <EntryCard
      href="/app/me/visitors"
      testId={testId}
      icon={(token) => <UserAddOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorPrimary }} />}
      title={t('access.visitors.entry')}
      hint={t('access.visitors.entry.hint')}
    />
  );
}
