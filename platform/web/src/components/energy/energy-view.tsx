'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { MessageKey } from '@/i18n/lang';
import { useLang, useT } from '@/i18n/lang-provider';
import { errorMessage } from '@/lib/app-error';
import { useTRPC, useTRPCClient } from '@/lib/trpc';
import { EnergyDailyChart, type Use } from './energy-chart';
import { monthDays, pct, recentMonths } from './months';

const USES: Use[] = ['lighting', 'hvac', 'lift', 'ev'];
const UTILITIES = ['water', 'power', 'gas'] as const;
type Utility = (typeof UTILITIES)[number];
const PAGE = 50;

/**
 * 低碳能耗 (DB33 7.2.2.5): a month of the community's energy against the month before — public facilities by use
 * (7.2.2.5.1) per day, PV generation (7.2.2.5.2), heat and cool supplied (7.2.2.5.3), and every household meter's
 * 当月用水量/用电量/用气量 with the month-on-month change (7.2.2.5.5).
 */
export function EnergyView({ community }: { community: string }) {
  const t = useT();
  const { lang } = useLang();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const months = recentMonths();
  const [month, setMonth] = useState(months[0]);
  const [utility, setUtility] = useState<Utility | undefined>();
  const summary = useQuery(trpc.iot.energy.summary.queryOptions({ community, month }));
  const daily = useQuery(trpc.iot.energy.daily.queryOptions({ community, ...monthDays(month) }));
  const households = useInfiniteQuery({
    queryKey: [...trpc.iot.energy.households.queryKey(), community, month, utility],
    queryFn: ({ pageParam }) =>
      client.iot.energy.households.query({ community, month, utility, after: pageParam ?? undefined, limit: PAGE }),
    initialPageParam: null as { productKey: string; deviceName: string } | null,
    getNextPageParam: (last) => last.next,
  });
  const error = summary.error ?? daily.error ?? households.error;
  const cur = summary.data?.current;
  const prev = summary.data?.previous;
  const units = summary.data?.units;
  const num = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toLocaleString('zh-CN'));
  const labelOf = (u: Use) => t(`energy.use.${u}` as MessageKey);
  const labels = Object.fromEntries(USES.map((u) => [u, labelOf(u)])) as Record<Use, string>;

  const supply =
    cur && prev
      ? [
          { key: 'pv', item: `${t('energy.pv')} (kWh)`, current: cur.pv, previous: prev.pv },
          {
            key: 'pvShare',
            item: t('energy.pvShare'),
            current: cur.pvShare,
            previous: prev.pvShare,
            percent: true,
          },
          {
            key: 'geothermal',
            item: `${t('energy.geothermal')} (kWh)`,
            current: cur.geothermal,
            previous: prev.geothermal,
          },
          {
            key: 'newEnergyShare',
            item: t('energy.newEnergyShare'),
            current: cur.newEnergyShare,
            previous: prev.newEnergyShare,
            percent: true,
          },
          { key: 'heat', item: `${t('energy.heat')} (kWh)`, current: cur.heat, previous: prev.heat },
          { key: 'cool', item: `${t('energy.cool')} (kWh)`, current: cur.cool, previous: prev.cool },
        ]
      : [];
  const rows = households.data?.pages.flatMap((p) => p.rows) ?? [];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="energy-page">
      <Space wrap>
        <Typography.Text>{t('energy.month')}</Typography.Text>
        <Select
          style={{ minWidth: 140 }}
          value={month}
          onChange={setMonth}
          options={months.map((m) => ({ value: m, label: m }))}
          data-testid="energy-month"
        />
      </Space>
      {error ? <Alert type="error" showIcon title={errorMessage(error, lang, t('common.networkError'))} /> : null}
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}>
          <Card>
            <Statistic
              title={`${t('energy.publicTotal')} (kWh)`}
              value={num(cur?.public)}
              data-testid="energy-public-total"
            />
            <Typography.Text type="secondary" data-testid="energy-public-previous">
              {t('energy.vsLast', { v: num(prev?.public) })} · {pct(cur?.public ?? null, prev?.public ?? null)}
            </Typography.Text>
          </Card>
        </Col>
        {USES.map((u) => (
          <Col xs={12} md={4} key={u}>
            <Card>
              <Statistic title={`${labelOf(u)} (kWh)`} value={num(cur?.[u])} data-testid={`energy-use-${u}`} />
              <Typography.Text type="secondary">{t('energy.vsLast', { v: num(prev?.[u]) })}</Typography.Text>
            </Card>
          </Col>
        ))}
        {UTILITIES.map((u) => (
          <Col xs={24} md={8} key={u}>
            <Card>
              <Statistic
                title={`${t('energy.householdsTotal', { u: t(`energy.utility.${u}` as MessageKey) })} (${units?.[u] ?? ''})`}
                value={num(cur?.[u])}
                data-testid={`energy-households-${u}`}
              />
              <Typography.Text type="secondary">
                {t('energy.vsLast', { v: num(prev?.[u]) })} · {pct(cur?.[u] ?? null, prev?.[u] ?? null)}
              </Typography.Text>
            </Card>
          </Col>
        ))}
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={15}>
          <Card title={t('energy.daily')}>
            {daily.data && daily.data.totals.public > 0 ? (
              <EnergyDailyChart days={daily.data.days} labels={labels} title={t('energy.daily')} />
            ) : (
              <Typography.Text type="secondary">{t('energy.daily.empty')}</Typography.Text>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          <Card title={t('energy.supply')}>
            <Table
              size="small"
              pagination={false}
              rowKey="key"
              dataSource={supply}
              data-testid="energy-supply"
              columns={[
                { title: t('energy.supply.item'), dataIndex: 'item' },
                {
                  title: t('energy.supply.current'),
                  render: (_, r) => (
                    <span data-testid={`energy-supply-${r.key}`}>
                      {r.percent ? (r.current === null ? '—' : `${(r.current * 100).toFixed(1)}%`) : num(r.current)}
                    </span>
                  ),
                },
                {
                  title: t('energy.supply.previous'),
                  render: (_, r) =>
                    r.percent ? (r.previous === null ? '—' : `${(r.previous * 100).toFixed(1)}%`) : num(r.previous),
                },
                {
                  title: t('energy.supply.change'),
                  render: (_, r) => (r.percent ? '—' : pct(r.current, r.previous)),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card
        title={t('energy.households')}
        extra={
          <Select
            allowClear
            placeholder={t('energy.households.all')}
            style={{ minWidth: 120 }}
            value={utility}
            onChange={setUtility}
            options={UTILITIES.map((u) => ({ value: u, label: t(`energy.utility.${u}` as MessageKey) }))}
            data-testid="energy-households-utility"
          />
        }
      >
        <Table
          size="small"
          rowKey={(r) => `${r.productKey}/${r.deviceName}/${r.utility}`}
          loading={households.isLoading}
          dataSource={rows}
          pagination={false}
          data-testid="energy-households"
          onRow={(r) => ({ 'data-testid': `energy-household-${r.deviceName}` }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('energy.col.meter'), render: (_, r) => r.nickname ?? r.deviceName },
            {
              title: t('energy.col.utility'),
              render: (_, r) => t(`energy.utility.${r.utility}` as MessageKey),
            },
            {
              title: t('energy.col.use'),
              render: (_, r) => <span data-testid="use">{r.use === null ? '—' : `${num(r.use)} ${r.unit}`}</span>,
            },
            {
              title: t('energy.col.previous'),
              render: (_, r) => (r.previous === null ? '—' : `${num(r.previous)} ${r.unit}`),
            },
            {
              title: t('energy.col.change'),
              render: (_, r) => <span data-testid="change">{pct(r.use, r.previous)}</span>,
            },
            {
              title: t('energy.col.note'),
              render: (_, r) =>
                r.reset ? (
                  <Tag color="orange">{t('energy.reset')}</Tag>
                ) : r.use === null ? (
                  <Tag>{t('energy.noReading')}</Tag>
                ) : null,
            },
          ]}
        />
        {households.hasNextPage ? (
          <Button
            style={{ marginTop: 12 }}
            onClick={() => households.fetchNextPage()}
            loading={households.isFetchingNextPage}
            data-testid="energy-households-more"
          >
            {t('energy.households.more')}
          </Button>
        ) : null}
      </Card>
      <Typography.Text type="secondary">{t('energy.note')}</Typography.Text>
    </Space>
  );
}
