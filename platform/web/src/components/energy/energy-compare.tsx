'use client';

import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC } from '@/lib/trpc';
import { pct, recentMonths } from './months';

/** The government's view of 低碳能耗: the month's consumption of every community under the jurisdiction. */
export function EnergyCompare() {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const months = recentMonths();
  const [month, setMonth] = useState(months[0]);
  const q = useQuery(trpc.iot.energy.compare.queryOptions({ month }));
  const num = (v: number) => v.toLocaleString('zh-CN');
  const col = (
    key: 'public' | 'pv' | 'heat' | 'cool' | 'water' | 'power' | 'gas',
    label: MessageKey,
    unit: string,
  ) => ({
    title: `${t(label)} (${unit})`,
    render: (_: unknown, r: NonNullable<typeof q.data>['communities'][number]) => (
      <span data-testid={`compare-${key}`}>
        {num(r.current[key])} <Typography.Text type="secondary">{pct(r.current[key], r.previous[key])}</Typography.Text>
      </span>
    ),
  });
  return (
    <Card title={t('energy.compare')} data-testid="energy-compare">
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Space wrap>
          <Typography.Text>{t('energy.month')}</Typography.Text>
          <Select
            style={{ minWidth: 140 }}
            value={month}
            onChange={setMonth}
            options={months.map((m) => ({ value: m, label: m }))}
          />
        </Space>
        {q.error ? <Alert type="error" showIcon title={errorMessage(q.error, lang, t('common.networkError'))} /> : null}
        <Table
          size="small"
          rowKey="communityId"
          loading={q.isLoading}
          pagination={false}
          dataSource={q.data?.communities ?? []}
          columns={[
            {
              title: t('energy.compare.community'),
              render: (_, r) => (lang === 'en' && r.nameEn ? r.nameEn : r.name),
            },
            col('public', 'energy.publicTotal', 'kWh'),
            col('pv', 'energy.pv', 'kWh'),
            col('heat', 'energy.heat', 'kWh'),
            col('cool', 'energy.cool', 'kWh'),
            col('water', 'energy.utility.water', 'm³'),
            col('power', 'energy.utility.power', 'kWh'),
            col('gas', 'energy.utility.gas', 'm³'),
          ]}
        />
      </Space>
    </Card>
  );
}
