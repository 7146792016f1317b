'use client';

import { useQuery } from '@tanstack/react-query';
import { Card, Table, type TableColumnsType } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { type MetricRow, percent } from './rollout-types';

/** Handler calls, errors and latency per community and version over the last day (DB33 8.1.2). */
export function RolloutMetrics({ pluginId }: { pluginId: string }) {
  const trpc = useTRPC();
  const t = useT();
  const metrics = useQuery(trpc.market.metrics.queryOptions({ pluginId, hours: 24 }));
  const ms = (n: number) => t('rollout.ms', { ms: n });
  const columns: TableColumnsType<MetricRow> = [
    { title: t('rollout.col.community'), dataIndex: 'community' },
    { title: t('market.col.version'), dataIndex: 'version' },
    { title: t('rollout.col.calls'), dataIndex: 'calls' },
    { title: t('rollout.col.errors'), dataIndex: 'errors' },
    { title: t('rollout.col.errorRate'), key: 'rate', render: (_, m) => percent(m.errorRate) },
    { title: t('rollout.col.avg'), key: 'avg', render: (_, m) => ms(m.avgMs) },
    { title: t('rollout.col.p95'), key: 'p95', render: (_, m) => ms(m.p95Ms) },
    { title: t('rollout.col.p99'), key: 'p99', render: (_, m) => ms(m.p99Ms) },
  ];
  return (
    <Card title={t('rollout.metrics')} size="small">
      <Table<MetricRow>
        data-testid="rollout-metrics"
        rowKey={(m) => `${m.communityId}/${m.version}`}
        size="small"
        columns={columns}
        dataSource={metrics.data ?? []}
        loading={metrics.isLoading}
        pagination={false}
        locale={{ emptyText: t('rollout.metrics.empty') }}
      />
    </Card>
  );
}
