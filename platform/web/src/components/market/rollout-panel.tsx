'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Card, Dropdown, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { PageError } from '../apps/page-state';
import { RolloutMetrics } from './rollout-metrics';
import { RolloutStart } from './rollout-start';
import { RolloutHistory, RolloutStatus } from './rollout-status';
import type { InstalledCommunity } from './rollout-types';
import { useMarketAction } from './use-market-action';

/** One app across the operator's communities: versions in use, the rollout, pins and rollbacks, metrics. */
export function RolloutPanel({ pluginId }: { pluginId: string }) {
  const trpc = useTRPC();
  const t = useT();
  const action = useMarketAction();
  const overview = useQuery(trpc.market.rollouts.overview.queryOptions({ pluginId }));
  const pin = useMutation(
    trpc.market.pin.mutationOptions({ onSuccess: () => action.onSuccess(), onError: action.onError }),
  );
  const rollback = useMutation(
    trpc.market.rollback.mutationOptions({
      onSuccess: (r) => action.onSuccess(t('rollout.rolledBack', { version: r.to })),
      onError: action.onError,
    }),
  );
  if (overview.error) return <PageError error={overview.error} onRetry={() => overview.refetch()} />;
  const o = overview.data;
  const columns: TableColumnsType<InstalledCommunity> = [
    {
      title: t('rollout.col.community'),
      key: 'community',
      render: (_, c) => (
        <div>
          <div>{c.name}</div>
          <Typography.Text type="secondary">{c.code}</Typography.Text>
        </div>
      ),
    },
    {
      title: t('rollout.col.version'),
      key: 'version',
      render: (_, c) => (
        <Space size={4}>
          <span data-testid={`rollout-version-${c.code}`}>{c.version}</span>
          {c.pinnedVersion ? (
            <Tag color="purple" data-testid={`rollout-pinned-${c.code}`}>
              {t('rollout.pinned')}
            </Tag>
          ) : null}
        </Space>
      ),
    },
    {
      title: t('rollout.col.actions'),
      key: 'actions',
      render: (_, c) => {
        const target = { community: c.code, pluginId };
        return (
          <Space wrap>
            <Button
              size="small"
              data-testid={`rollout-pin-${c.code}`}
              loading={pin.isPending}
              onClick={() => pin.mutate({ ...target, version: c.pinnedVersion ? null : c.version })}
            >
              {t(c.pinnedVersion ? 'market.unpin' : 'market.pin')}
            </Button>
            {c.rollbackTo.length ? (
              <Dropdown
                trigger={['click']}
                menu={{
                  items: c.rollbackTo.map((v) => ({ key: v, label: t('market.rollback.to', { version: v }) })),
                  onClick: ({ key }) => rollback.mutate({ ...target, version: key }),
                }}
              >
                <Button size="small" data-testid={`rollout-rollback-${c.code}`} loading={rollback.isPending}>
                  {t('market.rollback')}
                </Button>
              </Dropdown>
            ) : null}
          </Space>
        );
      },
    },
  ];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space wrap data-testid="rollout-versions">
        <Typography.Text strong>{t('rollout.versions')}</Typography.Text>
        {(o?.versions ?? []).map((v) => (
          <Tag key={v.version} color="blue" data-testid={`rollout-count-${v.version}`}>
            {t('rollout.versions.count', { version: v.version, count: v.communities })}
          </Tag>
        ))}
      </Space>
      {o?.active ? <RolloutStatus rollout={o.active} /> : o ? <RolloutStart pluginId={pluginId} overview={o} /> : null}
      <Card title={t('rollout.communities')} size="small">
        <Table<InstalledCommunity>
          data-testid="rollout-communities"
          rowKey="code"
          size="small"
          columns={columns}
          dataSource={o?.communities ?? []}
          loading={overview.isLoading}
          pagination={false}
        />
      </Card>
      <RolloutMetrics pluginId={pluginId} />
      <RolloutHistory rollouts={(o?.rollouts ?? []).filter((r) => r.status !== 'active')} />
    </Space>
  );
}
