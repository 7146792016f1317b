'use client';

import { AlertOutlined } from '@ant-design/icons';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';

/** A big tap target leading to 我的事件, on the resident home and on "我的". */
export function EventsEntry({ testId }: { testId: string }) {
  const t = useT();
  return (
    <EntryCard
      href="/app/me/events"
      testId={testId}
      tone="orange"
      icon={(token) => <AlertOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorWarning }} />}
      title={t('events.entry')}
      hint={t('events.entry.hint')}
    />
  );
}
