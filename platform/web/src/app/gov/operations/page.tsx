'use client';

import { DownloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Alert, Button, Card, Select, Space, Table, Tag, Typography } from 'antd';
import { type HTMLAttributes, useMemo, useState } from 'react';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { type AppRouter, useTRPC } from '@/lib/trpc';
import { DownstreamReports, UpstreamLine } from './upstream';

type Report = inferRouterOutputs<AppRouter>['market']['operations'];
type App = Report['apps'][number];
type Row = App['communities'][number];

const ZONE = 'Asia/Shanghai';

/** The last 12 months where the communities are (YYYY-MM), newest first. */
function recentMonths(): string[] {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date()).split('-').map(Number);
  return Array.from({ length: 12 }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  });
}

const windowOf = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
};

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const rating = (f: { averageRating: number | null; ratings: number }) =>
  f.averageRating === null ? '—' : `${f.averageRating.toFixed(1)}（${f.ratings}）`;

/**
 * 应用运营 (DB33 8.1.2): per app of the official's jurisdiction, the month's installs, active users, handler calls,
 * errors, p95 latency and rating, expandable to its communities; 导出 CSV downloads the same figures. Below: how this
 * platform's daily report reached its upstreams, and 下级上报 (what downstream catalogs of the jurisdiction sent).
 */
export default function GovOperations() {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const months = useMemo(recentMonths, []);
  const [month, setMonth] = useState(months[0]);
  const win = windowOf(month);
  const report = useQuery(trpc.market.operations.queryOptions(win));

  const figures = [
    { title: t('operations.activeUsers'), dataIndex: 'activeUsers', key: 'activeUsers' },
    { title: t('operations.calls'), dataIndex: 'calls', key: 'calls' },
    { title: t('operations.errors'), dataIndex: 'errors', key: 'errors' },
    { title: t('operations.errorRate'), key: 'errorRate', render: (_: unknown, r: App | Row) => pct(r.errorRate) },
    { title: t('operations.p95'), dataIndex: 'p95Ms', key: 'p95Ms' },
    { title: t('operations.rating'), key: 'rating', render: (_: unknown, r: App | Row) => rating(r) },
  ];
  const stateTag = (s: string | null) =>
    s === 'enabled' ? (
      <Tag color="green">{t('operations.state.enabled')}</Tag>
    ) : s === 'disabled' ? (
      <Tag>{t('operations.state.disabled')}</Tag>
    ) : (
      <Tag color="default">{t('operations.state.none')}</Tag>
    );

  return (
    <>
      <Card
        title={t('operations.title')}
        data-testid="operations"
        extra={
          <Space>
            <span>{t('operations.month')}</span>
            <Select
              value={month}
              onChange={setMonth}
              options={months.map((m) => ({ value: m, label: m }))}
              style={{ width: 120 }}
              data-testid="operations-month"
            />
            <Button
              icon={<DownloadOutlined />}
              href={`/api/gov/operations.csv?${new URLSearchParams(win)}`}
              download
              data-testid="operations-export"
            >
              {t('operations.export')}
            </Button>
          </Space>
        }
      >
        <Typography.Paragraph type="secondary">{t('operations.hint')}</Typography.Paragraph>
        <UpstreamLine />
        {report.error && (
          <Alert type="error" showIcon title={errorMessage(report.error, lang, t('common.networkError'))} />
        )}
        <Table<App>
          rowKey="pluginId"
          loading={report.isLoading}
          dataSource={report.data?.apps ?? []}
          pagination={false}
          locale={{ emptyText: t('operations.empty') }}
          data-testid="operations-table"
          onRow={(a) => ({ 'data-testid': `operations-app-${a.pluginId}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('operations.app'),
              key: 'app',
              render: (_, a) => (
                <span>
                  {lang === 'en' ? a.name.en : a.name.zh}{' '}
                  <Typography.Text type="secondary">{a.pluginId}</Typography.Text>
                </span>
              ),
            },
            { title: t('operations.installs'), key: 'installs', render: (_, a) => `${a.enabled}/${a.installs}` },
            ...figures,
          ]}
          expandable={{
            expandedRowRender: (a) => (
              <Table<Row>
                rowKey="communityId"
                size="small"
                pagination={false}
                dataSource={a.communities}
                data-testid={`operations-communities-${a.pluginId}`}
                columns={[
                  { title: t('operations.community'), key: 'c', render: (_, c) => `${c.name}（${c.code}）` },
                  { title: t('operations.version'), key: 'v', render: (_, c) => c.version ?? '—' },
                  { title: t('operations.state'), key: 's', render: (_, c) => stateTag(c.state) },
                  ...figures,
                ]}
              />
            ),
          }}
        />
      </Card>
      <DownstreamReports from={win.from} to={win.to} />
    </>
  );
}
