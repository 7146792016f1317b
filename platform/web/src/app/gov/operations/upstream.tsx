'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Card, Table, Tag, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { type AppRouter, useTRPC } from '@/lib/trpc';

type Out = inferRouterOutputs<AppRouter>['market'];
type Delivery = Out['upstreams']['deliveries'][number];
type Downstream = Out['downstreamReports'][number];
type Day = Downstream['days'][number];

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const time = (iso: string) => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

/** One line per followed upstream: the latest push of the daily report (DB33 8.1.2) and how it went. */
export function UpstreamLine() {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const deliveries = useQuery({ ...trpc.market.upstreams.deliveries.queryOptions(), retry: false });
  if (!deliveries.data) return null;
  const latest = new Map<string, Delivery>();
  for (const d of deliveries.data) if (!latest.has(d.upstreamId)) latest.set(d.upstreamId, d);
  return (
    <Typography.Paragraph data-testid="operations-upstream">
      {t('operations.upstream.line')}：
      {latest.size === 0
        ? t('operations.upstream.none')
        : [...latest.values()].map((d) => (
            <span key={d.upstreamId} data-testid={`operations-upstream-${d.upstreamCatalogId ?? d.upstreamId}`}>
              {d.upstreamCatalogId ?? d.upstreamUrl} {d.day}{' '}
              <Tag color={d.status === 'failed' ? 'red' : 'green'}>{t(`operations.upstream.${d.status}`)}</Tag>
              {time(d.attemptedAt)}
              {d.error ? `（${lang === 'en' ? d.error.en : d.error.zh}）` : ''}{' '}
            </span>
          ))}
    </Typography.Paragraph>
  );
}

/** 下级上报: what downstream catalogs of the official's jurisdiction reported over the window, per catalog and day. */
export function DownstreamReports({ from, to }: { from: string; to: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const reports = useQuery(trpc.market.downstreamReports.queryOptions({ from, to }));
  if (!reports.data?.length) return null;
  const figures = [
    { title: t('operations.activeUsers'), dataIndex: 'activeUsers', key: 'activeUsers' },
    { title: t('operations.calls'), dataIndex: 'calls', key: 'calls' },
    { title: t('operations.errors'), dataIndex: 'errors', key: 'errors' },
    {
      title: t('operations.errorRate'),
      key: 'errorRate',
      render: (_: unknown, r: { errorRate: number }) => pct(r.errorRate),
    },
  ];
  return (
    <Card title={t('operations.downstream.title')} style={{ marginTop: 16 }} data-testid="operations-downstream">
      <Typography.Paragraph type="secondary">{t('operations.downstream.hint')}</Typography.Paragraph>
      <Table<Downstream>
        rowKey="id"
        pagination={false}
        dataSource={reports.data}
        onRow={(d) => ({ 'data-testid': `operations-downstream-${d.catalogId}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('operations.downstream.catalog'), key: 'c', render: (_, d) => `${d.name}（${d.catalogId}）` },
          { title: t('operations.downstream.days'), key: 'n', render: (_, d) => d.totals.days },
          {
            title: t('operations.downstream.last'),
            key: 'l',
            render: (_, d) => (d.lastReportAt ? time(d.lastReportAt) : '—'),
          },
          { title: t('operations.activeUsers'), key: 'u', render: (_, d) => d.totals.activeUsers },
          { title: t('operations.calls'), key: 'calls', render: (_, d) => d.totals.calls },
          { title: t('operations.errors'), key: 'errors', render: (_, d) => d.totals.errors },
          { title: t('operations.errorRate'), key: 'rate', render: (_, d) => pct(d.totals.errorRate) },
        ]}
        expandable={{
          expandedRowRender: (d) => (
            <Table<Day>
              rowKey="day"
              size="small"
              pagination={false}
              dataSource={d.days}
              expandable={{
                expandedRowRender: (day) => (
                  <Table
                    rowKey="pluginId"
                    size="small"
                    pagination={false}
                    dataSource={day.perApp}
                    columns={[
                      {
                        title: t('operations.app'),
                        key: 'app',
                        render: (_, a) => `${lang === 'en' ? a.name.en : a.name.zh}（${a.pluginId}）`,
                      },
                      { title: t('operations.installs'), key: 'i', render: (_, a) => `${a.enabled}/${a.installs}` },
                      ...figures,
                      { title: t('operations.p95'), dataIndex: 'p95Ms', key: 'p95Ms' },
                    ]}
                  />
                ),
              }}
              columns={[
                { title: t('operations.downstream.day'), dataIndex: 'day', key: 'day' },
                { title: t('operations.downstream.apps'), dataIndex: 'apps', key: 'apps' },
                { title: t('operations.installs'), dataIndex: 'installs', key: 'installs' },
                ...figures,
                { title: t('operations.p95'), dataIndex: 'p95Ms', key: 'p95Ms' },
                { title: t('operations.downstream.received'), key: 'r', render: (_, x) => time(x.receivedAt) },
              ]}
            />
          ),
        }}
      />
    </Card>
  );
}
