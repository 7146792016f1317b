'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Col, Row, Tag } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, percent, shanghaiTime } from './format';
import { live, pagedList, RecordListCard, SmallTableCard, StatRow, TabBody } from './parts';

/** 垃圾回收 (DB33 7.2.2.5.4): drops by source and category, correct sorting and collections (清运量). */
export function GarbageTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const category = (c: string | null) =>
    c === null ? t('warehouse.garbage.category.none') : t(`warehouse.garbage.category.${c}` as MessageKey);
  const stats = useQuery(trpc.iot.warehouse.garbage.stats.queryOptions({ community }, live));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.garbage.list.infiniteQueryOptions({ community, limit: 50 }, pagedList),
  );
  const s = stats.data;
  return (
    <TabBody>
      <StatRow
        testId="garbage-stats"
        items={[
          { title: t('warehouse.garbage.dropped'), value: s?.droppedKg ?? 0, testId: 'garbage-dropped' },
          { title: t('warehouse.garbage.drops'), value: s?.drops ?? 0, testId: 'garbage-drops' },
          { title: t('warehouse.garbage.correctRate'), value: percent(s?.correctRate ?? null) },
          { title: t('warehouse.garbage.collected'), value: s?.collectedKg ?? 0, testId: 'garbage-collected' },
        ]}
      />
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <SmallTableCard
            title={t('warehouse.garbage.byDay')}
            rowKey={(r) => `${r.day}-${r.category}`}
            dataSource={s?.days ?? []}
            columns={[
              { title: t('warehouse.col.day'), dataIndex: 'day' },
              { title: t('warehouse.col.category'), dataIndex: 'category', render: category },
              { title: t('warehouse.col.dropped'), dataIndex: 'droppedKg' },
              { title: t('warehouse.col.correctRate'), dataIndex: 'correctRate', render: percent },
              { title: t('warehouse.col.collected'), dataIndex: 'collectedKg' },
            ]}
          />
        </Col>
        <Col xs={24} md={12}>
          <SmallTableCard
            title={t('warehouse.garbage.byBin')}
            rowKey="deviceId"
            dataSource={s?.bins ?? []}
            columns={[
              { title: t('warehouse.col.bin'), dataIndex: 'deviceName' },
              { title: t('warehouse.col.category'), dataIndex: 'category', render: category },
              { title: t('warehouse.col.dropped'), dataIndex: 'droppedKg' },
              { title: t('warehouse.col.correctRate'), dataIndex: 'correctRate', render: percent },
              { title: t('warehouse.col.collected'), dataIndex: 'collectedKg' },
              {
                title: t('warehouse.col.fillLevel'),
                dataIndex: 'fillLevel',
                render: (v) => (v === null ? '—' : `${v}%`),
              },
            ]}
          />
        </Col>
      </Row>
      <RecordListCard
        title={t('warehouse.garbage.list')}
        data-testid="garbage-list"
        list={list}
        row={(r) => ({ 'data-testid': 'garbage-row', 'data-event': r.event })}
        columns={[
          { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
          { title: t('warehouse.col.bin'), dataIndex: 'deviceName' },
          {
            title: t('warehouse.col.event'),
            dataIndex: 'event',
            render: (e) => t(`warehouse.garbage.event.${e}` as MessageKey),
          },
          { title: t('warehouse.col.category'), dataIndex: 'category', render: category },
          { title: t('warehouse.col.source'), dataIndex: 'ref', render: orDash },
          { title: t('warehouse.col.weight'), dataIndex: 'amount', render: orDash },
          {
            title: t('warehouse.col.correct'),
            dataIndex: 'flag',
            render: (f) =>
              f === null ? (
                '—'
              ) : f ? (
                <Tag color="green">{t('warehouse.yes')}</Tag>
              ) : (
                <Tag color="red">{t('warehouse.no')}</Tag>
              ),
          },
        ]}
      />
    </TabBody>
  );
}
