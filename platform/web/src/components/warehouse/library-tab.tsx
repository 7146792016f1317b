'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { MessageKey } from '@/i18n/lang';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { orDash, shanghaiTime } from './format';

/** 图书借阅 (DB33 7.2.2.4.4) from the library terminals (6.2.3.4): borrows, returns, books out and overdue loans. */
export function LibraryTab({ community }: { community: string }) {
  const trpc = useTRPC();
  const t = useT();
  const stats = useQuery(trpc.iot.warehouse.library.stats.queryOptions({ community }, { refetchInterval: 15_000 }));
  const loans = useQuery(trpc.iot.warehouse.library.loans.queryOptions({ community }, { refetchInterval: 15_000 }));
  const list = useInfiniteQuery(
    trpc.iot.warehouse.library.list.infiniteQueryOptions(
      { community, limit: 50 },
      { getNextPageParam: (p) => p.nextCursor ?? undefined, initialCursor: undefined, refetchInterval: 15_000 },
    ),
  );
  const s = stats.data;
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('warehouse.range.hint')}</Typography.Text>
      <Space size="large" wrap data-testid="library-stats">
        <div data-testid="library-borrows">
          <Statistic title={t('warehouse.library.borrows')} value={s?.borrows ?? 0} />
        </div>
        <div data-testid="library-returns">
          <Statistic title={t('warehouse.library.returns')} value={s?.returns ?? 0} />
        </div>
        <Statistic title={t('warehouse.library.readers')} value={s?.readers ?? 0} />
        <div data-testid="library-out">
          <Statistic title={t('warehouse.library.outNow')} value={s?.outNow ?? 0} />
        </div>
        <div data-testid="library-overdue">
          <Statistic title={t('warehouse.library.overdueNow')} value={s?.overdueNow ?? 0} />
        </div>
        <Statistic title={t('warehouse.library.lateReturns')} value={s?.lateReturns ?? 0} />
        <Statistic title={t('warehouse.library.meanOverdueDays')} value={orDash(s?.meanOverdueDays)} />
      </Space>
      <Typography.Text type="secondary">{t('warehouse.library.notBuilt')}</Typography.Text>
      <Row gutter={16}>
        <Col xs={24} md={10}>
          <Card size="small" title={t('warehouse.library.byDay')}>
            <Table
              size="small"
              rowKey="day"
              pagination={false}
              dataSource={s?.days ?? []}
              columns={[
                { title: t('warehouse.col.day'), dataIndex: 'day' },
                { title: t('warehouse.library.borrows'), dataIndex: 'borrows' },
                { title: t('warehouse.library.returns'), dataIndex: 'returns' },
                { title: t('warehouse.library.readers'), dataIndex: 'readers' },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={14}>
          <Card size="small" title={t('warehouse.library.loans')}>
            <Table
              data-testid="library-loans"
              size="small"
              rowKey="id"
              pagination={{ pageSize: 20 }}
              dataSource={loans.data ?? []}
              columns={[
                { title: 'ISBN', dataIndex: 'isbn' },
                { title: t('warehouse.col.resident'), render: (_, r) => r.personName ?? orDash(r.ref) },
                { title: t('warehouse.library.borrowedAt'), dataIndex: 'borrowedAt', render: shanghaiTime },
                { title: t('warehouse.library.dueDate'), dataIndex: 'dueDate', render: orDash },
                {
                  title: t('warehouse.col.status'),
                  dataIndex: 'overdue',
                  render: (o: boolean) =>
                    o ? (
                      <Tag color="red">{t('warehouse.library.overdue')}</Tag>
                    ) : (
                      <Tag>{t('warehouse.library.out')}</Tag>
                    ),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('warehouse.library.list')}>
        <Table
          data-testid="library-list"
          size="middle"
          rowKey="id"
          loading={list.isPending}
          pagination={false}
          dataSource={rows}
          onRow={(r) => ({ 'data-testid': 'library-row', 'data-event': r.event }) as object}
          columns={[
            { title: t('warehouse.col.time'), dataIndex: 'at', render: shanghaiTime },
            { title: t('warehouse.col.device'), dataIndex: 'deviceName' },
            {
              title: t('warehouse.col.event'),
              dataIndex: 'event',
              render: (e) => t(`warehouse.library.event.${e}` as MessageKey),
            },
            { title: t('warehouse.col.resident'), render: (_, r) => r.personName ?? orDash(r.ref) },
            { title: 'ISBN', dataIndex: 'label' },
            { title: t('warehouse.library.overdueDays'), dataIndex: 'amount', render: orDash },
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
