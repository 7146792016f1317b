'use client';

import { LeftOutlined, TrophyOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Card, Empty, Tabs, Tag, Typography, theme } from 'antd';
import Link from 'next/link';
import { PageError, PageLoading } from '@/components/apps/page-state';
import { useLang, useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { LedgerHistory } from './ledger-history';
import { PointsShop } from './points-shop';

const stateColor = { placed: 'gold', fulfilled: 'green', cancelled: 'default' } as const;

/** 我的积分: the balance in big digits, then rewards, history, redemptions (with pickup codes) and the leaderboard. */
export function PointsView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const { token } = theme.useToken();
  const trpc = useTRPC();
  const mine = useQuery(trpc.points.mine.queryOptions({ community, kind: 'points' }));
  const redemptions = useQuery(trpc.points.shop.mine.queryOptions({ community }));
  const board = useQuery(trpc.points.leaderboard.queryOptions({ community, kind: 'points' }));
  const when = (iso: string) =>
    new Intl.DateTimeFormat(lang, { month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
      new Date(iso),
    );

  if (mine.isLoading) return <PageLoading />;
  if (mine.error || !mine.data) return <PageError error={mine.error} onRetry={() => mine.refetch()} />;
  const balance = mine.data.balance;
  const row = { display: 'flex', alignItems: 'center', gap: 8, padding: '12px 0', borderTop: '1px solid #f0f0f0' };

  return (
    <div style={{ marginTop: 8 }}>
      <Link href="/app/me" style={{ fontSize: token.fontSize }}>
        <LeftOutlined /> {t('points.back')}
      </Link>
      <Card style={{ marginTop: 12, background: '#fff7e6', textAlign: 'center' }}>
        <div style={{ color: token.colorTextSecondary }}>{t('points.balance')}</div>
        <div style={{ fontSize: token.fontSize * 2.6, fontWeight: 700 }} data-testid="points-balance">
          {balance}
        </div>
      </Card>
      <Tabs
        style={{ marginTop: 8 }}
        size="large"
        // Four short labels fit a 390 px phone in large text; a tab hidden in an overflow menu is lost on older users.
        tabBarGutter={16}
        items={[
          {
            key: 'shop',
            label: t('points.tab.shop'),
            children: <PointsShop community={community} balance={balance} />,
          },
          {
            key: 'history',
            label: t('points.tab.history'),
            children: (
              <LedgerHistory entries={mine.data.entries} empty={t('points.history.empty')} testId="points-history" />
            ),
          },
          {
            key: 'redemptions',
            label: t('points.tab.redemptions'),
            children:
              (redemptions.data ?? []).length === 0 ? (
                <Empty description={t('points.redemptions.empty')} />
              ) : (
                <div data-testid="points-redemptions">
                  {(redemptions.data ?? []).map((r) => (
                    <div key={r.id} style={row} data-testid="redemption" data-state={r.state}>
                      <span style={{ flex: 1 }}>
                        <div>{`${r.itemName} × ${r.quantity}`}</div>
                        <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                          {when(r.createdAt)}
                        </Typography.Text>
                      </span>
                      {r.state === 'placed' ? (
                        <span style={{ textAlign: 'end' }}>
                          <div style={{ fontSize: token.fontSizeSM }}>{t('points.redemption.code')}</div>
                          <div style={{ fontSize: token.fontSize * 1.5, fontWeight: 700, letterSpacing: 2 }}>
                            {r.pickupCode}
                          </div>
                        </span>
                      ) : null}
                      <Tag color={stateColor[r.state]}>{t(`points.redemption.${r.state}`)}</Tag>
                    </div>
                  ))}
                </div>
              ),
          },
          {
            key: 'board',
            label: t('points.tab.board'),
            children:
              (board.data ?? []).length === 0 ? (
                <Empty description={t('points.board.empty')} />
              ) : (
                <div data-testid="points-board">
                  {(board.data ?? []).map((b) => (
                    <div key={b.rank} style={{ ...row, background: b.me ? '#fffbe6' : undefined }}>
                      <span style={{ width: 32, fontWeight: 700 }}>
                        {b.rank <= 3 ? <TrophyOutlined style={{ color: token.colorWarning }} /> : b.rank}
                      </span>
                      <span style={{ flex: 1 }}>
                        {b.name}
                        {b.me ? <Tag style={{ marginInlineStart: 8 }}>{t('points.board.me')}</Tag> : null}
                      </span>
                      <span style={{ fontWeight: 600 }}>{b.balance}</span>
                    </div>
                  ))}
                </div>
              ),
          },
        ]}
      />
    </div>
  );
}
