'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Col, Row } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';
import { live, pagedList, RecordListCard, SmallTableCard, StatRow, TabBody } from './parts';

/** 助餐服务 (DB33 7.2.2.4.2) from the canteen tills (6.2.3.2): meals, diners, subsidy, top dishes and delivery times. */
export function MealsTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const mealType = (c: string | null) => (c === null ? '—' : t(`warehouse.meals.type.${c}` as MessageKey));
  const stats = useQuery(trpc.iot.warehouse.meals.stats.queryOptions({ community }, live));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.meals.list.infiniteQueryOptions({ community, limit: 50 }, pagedList),
  );
  const s = stats.data;
  return (
    <TabBody>
      <StatRow
        testId="meals-stats"
        items={[
          { title: t('warehouse.meals.meals'), value: s?.meals ?? 0, testId: 'meals-count' },
          { title: t('warehouse.meals.diners'), value: s?.diners ?? 0, testId: 'meals-diners' },
          { title: t('warehouse.meals.amount'), value: s?.amount ?? 0, precision: 2, testId: 'meals-amount' },
          { title: t('warehouse.meals.subsidy'), value: s?.subsidy ?? 0, precision: 2, testId: 'meals-subsidy' },
          { title: t('warehouse.meals.deliveries'), value: s?.delivery.deliveries ?? 0, testId: 'meals-deliveries' },
          {
            title: t('warehouse.meals.deliveryMean'),
            value: orDash(s?.delivery.meanMinutes),
            testId: 'meals-delivery-mean',
          },
          { title: t('warehouse.meals.deliveryP90'), value: orDash(s?.delivery.p90Minutes) },
        ]}
      />
      <Row gutter={16}>
        <Col xs={24} md={14}>
          <SmallTableCard
            title={t('warehouse.meals.byDay')}
            rowKey={(r) => `${r.day}-${r.mealType}`}
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
        </Col>
        <Col xs={24} md={10}>
          <SmallTableCard
            title={t('warehouse.meals.topDishes')}
            rowKey="dish"
            dataSource={s?.topDishes ?? []}
            columns={[
              { title: t('warehouse.meals.dish'), dataIndex: 'dish' },
              { title: t('warehouse.col.count'), dataIndex: 'count' },
            ]}
          />
        </Col>
      </Row>
      <RecordListCard
        title={t('warehouse.meals.list')}
        data-testid="meals-list"
        list={list}
        row={(r) => ({ 'data-testid': 'meals-row', 'data-event': r.event })}
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
    </TabBody>
  );
}
