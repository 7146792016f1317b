'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, percent, shanghaiTime } from './format';

/** 垃圾回收 (DB33 7.2.2.5.4): drops by source and category, correct sorting and collections (清运量). */
export function GarbageTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const category = (c: string | null) =>
    c === null ? t('warehouse.garbage.category.none') : t(`warehouse.garbage.category.${c}` as MessageKey);
  const stats = useQuery(trpc.iot.warehouse.garbage.stats.queryOptions({ community }, { refetchInterval: 15_000 }));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.garbage.list.infiniteQueryOptions(
      { community, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, initialCursor: undefined, refetchInterval: 15_000 },
    ),
  );
  const s = stats.data;
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('warehouse.range.hint')}</Typography.Text>
      <Space size="large" wrap data-testid="garbage-stats">
        <div data-testid="garbage-dropped">
          <Statistic title={t('warehouse.garbage.dropped')} value={s?.droppedKg ?? 0} />
        </div>
        <div data-testid="garbage-drops">
          <Statistic title={t('warehouse.garbage.drops')} value={s?.drops ?? 0} />
        </div>
        <Statistic title={t('warehouse.garbage.correctRate')} value={percent(s?.correctRate ?? null)} />
        <div data-testid="garbage-collected">
          <Statistic title={t('warehouse.garbage.collected')} value={s?.collectedKg ?? 0} />
        </div>
      </Space>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Card size="small" title={t('warehouse.garbage.byDay')}>
            <Table
              size="small"
              rowKey={(r) => `${r.day}-${r.category}`}
              pagination={false}
              dataSource={s?.days ?? []}
              columns={[
                { title: t('warehouse.col.day'), dataIndex: 'day' },
                { title: t('warehouse.col.category'), dataIndex: 'category', render: category },
                { title: t('warehouse.col.dropped'), dataIndex: 'droppedKg' },
                { title: t('warehouse.col.correctRate'), dataIndex: 'correctRate', render: percent },
                { title: t('warehouse.col.collected'), dataIndex: 'collectedKg' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card size="small" title={t('warehouse.garbage.byBin')}>
            <Table
              size="small"
              rowKey="deviceId"
              pagination={false}
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
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('warehouse.garbage.list')}>
        <Table
          data-testid="garbage-list"
          size="middle"
          rowKey="id"
          loading={list.isPending}
          pagination={false}
          dataSource={rows}
          onRow={(r) => ({ 'data-testid': 'garbage-row', 'data-event': r.event }) as object}
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
        {list.hasNextPage ? (
          <Button style={{ marginTop: 12 }} onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t('warehouse.more')}
          </Button>
        ) : null}
      </Card>
    </Space>
  );
}
