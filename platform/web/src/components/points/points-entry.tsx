'use client';

import { GiftOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { EntryCard } from '@/components/shell/entry-card';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';

/** A big tap target with the resident's balance, leading to 我的积分 (home and "我的"). */
export function PointsEntry({ community, testId }: { community: string; testId: string }) {
  const t = useT();
  const trpc = useTRPC();
  const mine = useQuery(trpc.points.mine.queryOptions({ community, kind: 'points' }));
  return (
    <EntryCard
      href="/app/me/points"
      testId={testId}
      tone="orange"
      icon={(token) => <GiftOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorWarning }} />}
      title={t('points.entry')}
      hint={t('points.entry.hint', { balance: mine.data?.balance ?? '…' })}
      hintTestId={`${testId}-balance`}
    />
  );
}
