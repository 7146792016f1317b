'use client';

import { HomeOutlined } from '@ant-design/icons';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';

/** A big tap target leading to 我的家庭, on the resident home and on "我的". */
export function HouseholdEntry({ testId }: { testId: string }) {
  const t = useT();
  return (
    <EntryCard
      href="/app/me/household"
      testId={testId}
      icon={(token) => <HomeOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorPrimary }} />}
      title={t('household.entry')}
      hint={t('household.entry.hint')}
    />
  );
}
