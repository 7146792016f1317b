'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Row, Space, Statistic, Table, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';

/** 助餐服务 (DB33 7.2.2.4.2) from the canteen tills (6.2.3.2): meals, diners, subsidy, top dishes and delivery times. */
export function MealsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const mealType = (c: string | null) => (c === null ? '—' : t(`warehouse.meals.type.${c}` as MessageKey));
  const stats = useQuery(trpc.iot.warehouse.meals.stats.queryOptions({ community }, { refetchInterval: 15_000 }));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.meals.list.infiniteQueryOptions(
      { community, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, initialCursor: undefined, refetchInterval: 15_000 },
    ),
  );
  const s = stats.data;
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('warehouse.range.hint')}</Typography.Text>
      <Space size="large" wrap data-testid="meals-stats">
        <div data-testid="meals-count">
          <Statistic title={t('warehouse.meals.meals')} value={s?.meals ?? 0} />
        </div>
        <div data-testid="meals-diners">
          <Statistic title={t('warehouse.meals.diners')} value={s?.diners ?? 0} />
        </div>
        <div data-testid="meals-amount">
          <Statistic title={t('warehouse.meals.amount')} value={s?.amount ?? 0} precision={2} />
        </div>
        <div data-testid="meals-subsidy">
          <Statistic title={t('warehouse.meals.subsidy')} value={s?.subsidy ?? 0} precision={2} />
        </div>
        <div data-testid="meals-deliveries">
          <Statistic title={t('warehouse.meals.deliveries')} value={s?.delivery.deliveries ?? 0} />
        </div>
        <div data-testid="meals-delivery-mean">
          <Statistic title={t('warehouse.meals.deliveryMean')} value={orDash(s?.delivery.meanMinutes)} />
        </div>
        <Statistic title={t('warehouse.meals.deliveryP90')} value={orDash(s?.delivery.p90Minutes)} />
      </Space>
      <Row gutter={16}>
        <Col xs={24} md={14}>
          <Card size="small" title={t('warehouse.meals.byDay')}>
            <Table
              size="small"
              rowKey={(r) => `${r.day}-${r.mealType}`}
              pagination={false}
              dataSource={s?.days ?? []}
              columns={[
                { title: t('warehouse.col.day'), dataIndex: 'day' },
                { title: t('warehouse.meals.mealType'), dataIndex: 'mealType', render: mealType },
                { title: t('warehouse.meals.meals'), dataIndex: 'meals' },
                { title: t('warehouse.meals.diners'), dataIndex: 'diners' },
                { title: t('warehouse.meals.amount'), dataIndex: 'amount' },
                { title: t('warehouse.meals.subsidy'), dataIndex: 'subsidy' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={10}>
          <Card size="small" title={t('warehouse.meals.topDishes')}>
            <Table
              size="small"
              rowKey="dish"
              pagination={false}
              dataSource={s?.topDishes ?? []}
              columns={[
                { title: t('warehouse.meals.dish'), dataIndex: 'dish' },
                { title: t('warehouse.col.count'), dataIndex: 'count' },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('warehouse.meals.list')}>
        <Table
          data-testid="meals-list"
          size="middle"
          rowKey="id"
          loading={list.isPending}
          pagination={false}
          dataSource={rows}
          onRow={(r) => ({ 'data-testid': 'meals-row', 'data-event': r.event }) as object}
          columns={[
            { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
            { title: t('warehouse.col.device'), dataIndex: 'deviceName' },
            {
              title: t('warehouse.col.event'),
              dataIndex: 'event',
              render: (e) => t(`warehouse.meals.event.${e}` as MessageKey),
            },
            { title: t('warehouse.col.resident'), render: (_, r) => r.personName ?? orDash(r.ref) },
            { title: t('warehouse.meals.order'), dataIndex: 'label', render: orDash },
            { title: t('warehouse.meals.mealType'), dataIndex: 'category', render: mealType },
            {
              title: t('warehouse.meals.dishes'),
              render: (_, r) => {
                const d = (r.value as { dishes?: string[] } | null)?.dishes;
                return d?.length ? d.join('、') : '—';
              },
            },
            {
              title: t('warehouse.meals.amountOrMinutes'),
              render: (_, r) =>
                r.event === 'delivered' ? `${r.amount} ${t('warehouse.meals.minutes')}` : `¥${orDash(r.amount)}`,
            },
          ]}
        />
        {list.hasNextPage ? (
          <Button style={{ marginTop: 12 }} onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t('warehouse.more')}
          </Button>
        ) : null}
      </Card>
    </Space>
  );
}
