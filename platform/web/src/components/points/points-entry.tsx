'use client';

import { GiftOutlined, RightOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { theme } from 'antd';
import Link from 'next/link';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';

/** A big tap target with the resident's balance, leading to 我的积分 (home and "我的"). */
export function PointsEntry({ community, testId }: { community: string; testId: string }) {
  const t = useT();
  const trpc = useTRPC();
  const { token } = theme.useToken();
  const mine = useQuery(trpc.points.mine.queryOptions({ community, kind: 'points' }));
  return (
    <Link
      href="/app/me/points"
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
      <GiftOutlined style={{ fontSize: token.fontSize * 1.6, color: token.colorWarning }} />
      <span style={{ flex: 1, display: 'flex', flexDirection: 'column' }}>
        <span style={{ fontWeight: 600, fontSize: token.fontSize * 1.1 }}>{t('points.entry')}</span>
        <span style={{ color: token.colorTextSecondary, fontSize: token.fontSizeSM }} data-testid={`${testId}-balance`}>
          {t('points.entry.hint', { balance: mine.data?.balance ?? '…' })}
        </span>
      </span>
      <RightOutlined style={{ color: token.colorTextTertiary }} />
    </Link>
  );
}
